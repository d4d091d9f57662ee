package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * What a Gemma layer (Gemma 1, 2 or 3) computes beyond Llama's (docs/models.md, "Gemma"); a {@link ModelConfig} of
 * another architecture has none. The norms' {@code (1 + w)} are the architectures' own and need no value.
 *
 * @param queryPreAttnScalar attention scores are scaled by {@code queryPreAttnScalar^-0.5} instead of head_dim's
 * @param localRopeTheta     RoPE's base on the sliding layers ({@link ModelConfig#slidingWindow()}, unscaled); full
 *                           layers use the config's theta and scaling
 *                           (Gemma 2: one base for all, unscaled)
 * @param finalLogitSoftcap  logits become {@code tanh(logit / cap) * cap}; 0 for none
 * @param attnLogitSoftcap   attention scores become {@code tanh(score / cap) * cap} (Gemma 2); 0 for none
 * @param activation         the MLP's GELU: the tanh form (Gemma 2 and 3), or as Gemma 1's config names it
 */
public record Gemma(double queryPreAttnScalar, double localRopeTheta, float finalLogitSoftcap, float attnLogitSoftcap,
                    Activation activation) implements ModelVariant {

    public Gemma {
        require(activation == Activation.GELU_TANH || activation == Activation.GELU_ERF, "Gemma's MLP is a GELU");
        require(queryPreAttnScalar > 0, "query_pre_attn_scalar must be > 0");
        require(localRopeTheta > 0, "rope_local_base_freq must be > 0");
        require(finalLogitSoftcap >= 0 && Float.isFinite(finalLogitSoftcap), "final_logit_softcapping must be > 0");
        require(attnLogitSoftcap >= 0 && Float.isFinite(attnLogitSoftcap), "attn_logit_softcapping must be > 0");
    }

    /**
     * The scores' scale, as transformers takes {@code query_pre_attn_scalar ** -0.5} (binary64) into a float32
     * product; StrictMath so every JVM gets the same float.
     */
    public float attentionScale() {
        return (float) StrictMath.pow(queryPreAttnScalar, -0.5);
    }

    /** The embeddings' scale {@code hidden_size ** 0.5}, rounded to float as transformers' buffer is. */
    public static float embedScale(int hiddenSize) {
        return (float) StrictMath.sqrt(hiddenSize);
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: " + message);
    }
}
