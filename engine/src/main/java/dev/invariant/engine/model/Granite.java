package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * GraniteForCausalLM's four multipliers (IBM Granite 3.x): the embeddings times {@code embeddingMultiplier}; the
 * attention's and the MLP's outputs times {@code residualMultiplier} before each residual add; attention scores
 * scaled by {@code attentionMultiplier} instead of {@code head_dim^-0.5}; the logits divided by {@code logitsScaling}.
 * Each is rounded to float, as transformers' float32 products take the config's value.
 */
public record Granite(float embeddingMultiplier, float residualMultiplier, float attentionMultiplier,
                      float logitsScaling) implements ModelVariant {

    public Granite {
        for (float v : new float[] {embeddingMultiplier, residualMultiplier, attentionMultiplier, logitsScaling}) {
            if (!(v > 0) || !Float.isFinite(v)) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: Granite's multipliers must be finite"
                        + " and > 0, got " + this);
            }
        }
    }
}
