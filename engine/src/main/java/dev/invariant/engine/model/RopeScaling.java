package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/**
 * How RoPE's inverse frequencies are scaled, as transformers' {@code rope_type} defines it (docs/numerics.md §7).
 * Only types that are a fixed function of each frequency are here: the table stays one host-built table.
 *
 * @param factor              {@code factor} (linear, llama3); 1 for none
 * @param lowFreqFactor       llama3's {@code low_freq_factor}; 0 otherwise
 * @param highFreqFactor      llama3's {@code high_freq_factor}; 0 otherwise
 * @param originalMaxPositions llama3's {@code original_max_position_embeddings}; 0 otherwise
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions) {

    /** The supported {@code rope_type} values (transformers' default, linear, llama3). */
    public enum Type {
        DEFAULT, LINEAR, LLAMA3
    }

    public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 1, 0, 0, 0);

    public RopeScaling {
        if (type == null) throw invalid("rope_type is missing");
        if (type != Type.DEFAULT) require(factor > 0 && Double.isFinite(factor), "factor must be > 0, got " + factor);
        if (type == Type.LLAMA3) {
            require(lowFreqFactor > 0 && Double.isFinite(lowFreqFactor),
                    "low_freq_factor must be > 0, got " + lowFreqFactor);
            // transformers divides by (high - low): equal or reversed factors have no defined band
            require(highFreqFactor > lowFreqFactor && Double.isFinite(highFreqFactor), "high_freq_factor ("
                    + highFreqFactor + ") must be larger than low_freq_factor (" + lowFreqFactor + ")");
            require(originalMaxPositions > 0, "original_max_position_embeddings must be > 0, got "
                    + originalMaxPositions);
        }
    }

    public static RopeScaling linear(double factor) {
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
                                     int originalMaxPositions) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions);
    }

    /**
     * The scaled inverse frequency, in binary64 in the order transformers writes it (modeling_rope_utils:
     * {@code _compute_linear_scaling_rope_parameters}, {@code _compute_llama3_parameters}).
     */
    public double scale(double invFreq) {
        return switch (type) {
            case DEFAULT -> invFreq;
            case LINEAR -> invFreq / factor;
            case LLAMA3 -> {
                double oldContext = originalMaxPositions;
                double wavelen = 2 * Math.PI / invFreq;
                if (wavelen < oldContext / highFreqFactor) yield invFreq;
                if (wavelen > oldContext / lowFreqFactor) yield invFreq / factor;
                double smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                yield (1 - smooth) * invFreq / factor + smooth * invFreq;
            }
        };
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw invalid(message);
    }

    private static EngineException invalid(String message) {
        return new EngineException(ErrorCode.MODEL_FORMAT, "config.json: rope scaling: " + message);
    }
}
