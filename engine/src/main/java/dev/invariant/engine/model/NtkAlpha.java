package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * HunYuan's RoPE base scaled by an NTK alpha (its config's {@code "dynamic"} RoPE with {@code alpha}): every layer
 * rotates with the base {@code rope_theta × alpha^(d / (d − 2))} for head dim d, as transformers'
 * HunYuanDenseV1RotaryEmbedding builds it once; the config's theta is kept as written (docs/models.md).
 *
 * @param alpha the NTK alpha, above 0
 */
public record NtkAlpha(double alpha) implements ModelVariant {

    public NtkAlpha {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: the RoPE's alpha must be > 0, got " + alpha);
        }
    }

    /** The base the layers rotate with; StrictMath, so every JVM computes the same double. */
    public double base(double theta, int headDim) {
        return theta * StrictMath.pow(alpha, headDim / (headDim - 2.0));
    }
}
