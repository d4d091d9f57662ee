package dev.invariant.engine.model;

import java.nio.file.Path;

/**
 * A loaded model: its configuration, its weights and the digest that identifies them.
 *
 * @param id            what the user named: a folder, a hub id or {@code synthetic:NAME}
 * @param folder        the folder holding tokenizer files, or null for synthetic models
 * @param weightsDigest hex SHA-256 over the canonical tensor bytes (docs/identity.md)
 */
public record Model(String id, Path folder, ModelConfig config, ModelWeights weights, String weightsDigest) {
}
