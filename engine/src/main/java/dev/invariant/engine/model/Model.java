package dev.invariant.engine.model;

import dev.invariant.engine.identity.ModelConfigDigest;
import java.nio.file.Path;

/**
 * A loaded model: its configuration, its weights and the digests that identify them.
 *
 * @param id            what the user named: a folder, a hub id or {@code synthetic:NAME}
 * @param folder        the folder holding tokenizer files, or null for synthetic models
 * @param weightsDigest hex SHA-256 over the canonical tensor bytes (docs/weights-digest.md)
 * @param configDigest  hex SHA-256 over the configuration values the tensors do not fix (docs/identity.md,
 *                      {@link ModelConfigDigest})
 */
public record Model(String id, Path folder, ModelConfig config, ModelWeights weights, String weightsDigest,
                    String configDigest) {

    /** Computes the configuration digest once, here at load. */
    public Model(String id, Path folder, ModelConfig config, ModelWeights weights, String weightsDigest) {
        this(id, folder, config, weights, weightsDigest,
                ModelConfigDigest.of(config, weights == null ? null : weights.quantization()));
    }
}
