package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;

/**
 * How RoPE's inverse frequencies are scaled, as transformers' {@code rope_type} defines it (docs/numerics.md §7).
 * Only types that are a fixed function of each frequency are here: the table stays one host-built table. longrope
 * is one within its original context only (its short factors; the model's context stops there, HfConfig).
 *
 * @param factor              {@code factor} (linear, llama3, yarn); 1 for none
 * @param lowFreqFactor       llama3's {@code low_freq_factor}; yarn's {@code beta_slow} ({@link #betaSlow}); 0 otherwise
 * @param highFreqFactor      llama3's {@code high_freq_factor}; yarn's {@code beta_fast}; 0 otherwise
 * @param originalMaxPositions llama3's, longrope's and yarn's {@code original_max_position_embeddings}; 0 otherwise
 * @param shortFactors        longrope's {@code short_factor}, one per rotated pair; empty otherwise
 * @param attentionFactor     longrope's and yarn's factor on cos and sin ({@code attention_factor}); 1 otherwise
 * @param partialRotaryFactor the share of each head that rotates ({@code partial_rotary_factor}, Phi-4-mini's 0.75,
 *                            GLM-4's 0.5): its first {@link #rotaryDim} dims; the rest pass through; 1 for whole heads
 * @param interleaved         the rotated dims pair as (2i, 2i + 1) (GLM-4's rotate_half) instead of (i, i + r/2)
 */
public record RopeScaling(Type type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositions, List<Double> shortFactors, double attentionFactor,
                          double partialRotaryFactor, boolean truncate, boolean interleaved) {

    /** The supported {@code rope_type} values (transformers' default, linear, llama3, longrope, yarn). */
    public enum Type {
        DEFAULT, LINEAR, LLAMA3, LONGROPE, YARN
    }

    public static final RopeScaling NONE = new RopeScaling(Type.DEFAULT, 1, 0, 0, 0, List.of(), 1, 1, true, false);

    public RopeScaling {
        if (type == null) throw invalid("rope_type is missing");
        shortFactors = List.copyOf(shortFactors);
        require(partialRotaryFactor > 0 && partialRotaryFactor <= 1, "partial_rotary_factor must be in (0, 1], got "
                + partialRotaryFactor);
        if (type == Type.LONGROPE || type == Type.YARN) {
            require(type == Type.YARN || !shortFactors.isEmpty()
                    && shortFactors.stream().allMatch(f -> f > 0 && Double.isFinite(f)),
                    "short_factor must be a list of numbers > 0");
            require(attentionFactor > 0 && Double.isFinite(attentionFactor),
                    "attention_factor must be > 0, got " + attentionFactor);
            require(originalMaxPositions > 0, "original_max_position_embeddings must be > 0, got "
                    + originalMaxPositions);
        }
        if (type != Type.DEFAULT) require(factor > 0 && Double.isFinite(factor), "factor must be > 0, got " + factor);
        if (type == Type.YARN) {
            require(lowFreqFactor > 0 && highFreqFactor > 0 && Double.isFinite(lowFreqFactor + highFreqFactor),
                    "beta_fast and beta_slow must be > 0, got " + highFreqFactor + " and " + lowFreqFactor);
        }
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
        return new RopeScaling(Type.LINEAR, factor, 0, 0, 0, List.of(), 1, 1, true, false);
    }

    public static RopeScaling llama3(double factor, double lowFreqFactor, double highFreqFactor,
                                     int originalMaxPositions) {
        return new RopeScaling(Type.LLAMA3, factor, lowFreqFactor, highFreqFactor, originalMaxPositions, List.of(), 1,
                1, true, false);
    }

    /** longrope within its original context: pair i's frequency divided by short_factor[i], cos and sin scaled. */
    public static RopeScaling longrope(List<Double> shortFactors, double attentionFactor, int originalMaxPositions) {
        return new RopeScaling(Type.LONGROPE, 1, 0, 0, originalMaxPositions, shortFactors, attentionFactor, 1, true,
                false);
    }

    /**
     * YaRN: each pair's frequency blended between itself (extrapolation) and itself / factor (interpolation) by a ramp
     * over the pairs between the correction dims of beta_fast and beta_slow rotations; cos and sin scaled.
     */
    public static RopeScaling yarn(double factor, double betaFast, double betaSlow, int originalMaxPositions,
                                   double attentionFactor, boolean truncate) {
        return new RopeScaling(Type.YARN, factor, betaSlow, betaFast, originalMaxPositions, List.of(), attentionFactor,
                1, truncate, false);
    }

    /** yarn's {@code beta_fast}: rotations below which a pair is extrapolated. */
    public double betaFast() {
        return highFreqFactor;
    }

    /** yarn's {@code beta_slow}: rotations above which a pair is interpolated. */
    public double betaSlow() {
        return lowFreqFactor;
    }

    /** This scaling on the first {@code factor} of each head only (partial_rotary_factor), pairs as given. */
    public RopeScaling withRotation(double factor, boolean interleaved) {
        return new RopeScaling(type, this.factor, lowFreqFactor, highFreqFactor, originalMaxPositions, shortFactors,
                attentionFactor, factor, truncate, interleaved);
    }

    /** The dims of a head of {@code headDim} that rotate, as transformers takes them: int(head_dim * factor). */
    public int rotaryDim(int headDim) {
        return (int) (headDim * partialRotaryFactor);
    }

    /**
     * Pair i's inverse frequency for a head of {@code dim} rotated dims and base {@code theta}: from power =
     * theta^(2i/dim), in binary64 in the order transformers writes it (modeling_rope_utils: {@code 1.0 / power} scaled
     * by {@code _compute_linear_scaling_rope_parameters} or {@code _compute_llama3_parameters};
     * {@code _compute_longrope_parameters}: {@code 1.0 / (ext[i] * power)}; {@code _compute_yarn_parameters}).
     */
    public double inverseFrequency(int i, int dim, double theta) {
        double power = StrictMath.pow(theta, (2.0 * i) / dim);
        if (type == Type.LONGROPE) {
            if (i >= shortFactors.size()) {
                throw invalid("short_factor has " + shortFactors.size() + " entries, the head's rotated pairs need "
                        + (i + 1) + " or more");
            }
            return 1.0 / (shortFactors.get(i) * power);
        }
        if (type == Type.YARN) {
            double low = correctionDim(betaFast(), dim, theta);
            double high = correctionDim(betaSlow(), dim, theta);
            low = Math.max(truncate ? Math.floor(low) : low, 0);
            high = Math.min(truncate ? Math.ceil(high) : high, dim - 1);
            if (low == high) high += 0.001; // transformers' guard against a zero-width ramp
            double ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
            double extrapolation = 1 - ramp;
            return (1.0 / (factor * power)) * (1 - extrapolation) + (1.0 / power) * extrapolation;
        }
        return scale(1.0 / power);
    }

    /** yarn's dim (fractional) at which a frequency makes {@code rotations} turns over the original context. */
    private double correctionDim(double rotations, int dim, double theta) {
        return (dim * StrictMath.log(originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * StrictMath.log(theta));
    }

    private double scale(double invFreq) {
        return switch (type) {
            case DEFAULT, LONGROPE, YARN -> invFreq;
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
