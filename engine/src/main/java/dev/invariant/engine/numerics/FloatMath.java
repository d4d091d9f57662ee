package dev.invariant.engine.numerics;

/**
 * The contract's transcendentals, built only from float {@code + * /}, {@code fma} and exponent-bit
 * scaling, so that CUDA (compiled with -fmad=false -ftz=false) computes the same bits (docs/numerics.md).
 * No {@link Math#exp} anywhere: library exp differs between JDKs, CPUs and GPUs. The forward pass and the
 * sampler share this one exp.
 */
public final class FloatMath {
    private FloatMath() {
    }

    static final float LOG2E = 0x1.715476p+0f;
    /**
     * ln 2 split in two: HI is ln 2 rounded to 15 significant bits, so k * HI is exact for every k that
     * occurs (|k| <= 150); LO is the float nearest ln 2 - HI.
     */
    static final float LN2_HI = 0x1.62e4p-1f;
    static final float LN2_LO = 0x1.7f7d1cp-20f;
    /** The largest float whose exp is finite; above it exp is +inf. */
    public static final float EXP_MAX_INPUT = 0x1.62e42ep+6f;
    /** Below it exp is +0 (e^-104 is under half the smallest subnormal). */
    public static final float EXP_MIN_INPUT = -104.0f;
    /** Taylor coefficients 1/k! (k = 0..7) rounded to float; degree 7 keeps the truncation error below 0.1 ulp. */
    static final float[] EXP_POLY = {
        1.0f, 1.0f, 0.5f, 0x1.555556p-3f, 0x1.555556p-5f, 0x1.111112p-7f, 0x1.6c16c2p-10f, 0x1.a01a02p-13f
    };

    /** e^x below 1 ulp of the true value over the whole range, subnormal results included; NaN passes through. */
    public static float exp(float x) {
        if (x != x) return x;
        if (x > EXP_MAX_INPUT) return Float.POSITIVE_INFINITY;
        if (x < EXP_MIN_INPUT) return 0.0f;
        // x = k ln2 + r, |r| <= ln2/2 (plus rounding); k * LN2_HI is exact, so the first fma only cancels.
        float k = (float) Math.rint(x * LOG2E);
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = EXP_POLY[7];
        for (int i = 6; i >= 0; i--) p = Math.fma(p, r, EXP_POLY[i]);
        return scale(p, (int) k);
    }

    /**
     * p * 2^k for k in [-150, 128] with at most one rounding: the extra factor keeps every intermediate
     * exact, so only a subnormal (or overflowing) result is rounded, correctly, wherever subnormals are honoured.
     */
    private static float scale(float p, int k) {
        if (k > 127) return (p * 2.0f) * pow2(127);
        if (k < -126) return (p * pow2(k + 64)) * 0x1p-64f;
        return p * pow2(k);
    }

    /** 2^e for -126 <= e <= 127, from the exponent bits. */
    static float pow2(int e) {
        return Float.intBitsToFloat((e + 127) << 23);
    }

    /** sigmoid(x) = 1 / (1 + e^-x): one exp, one add, one correctly rounded division (Qwen2-MoE's shared expert gate). */
    public static float sigmoid(float x) {
        return 1.0f / (1.0f + exp(-x));
    }

    /** x * sigmoid(x) written as x / (1 + e^-x): one exp, one add, one correctly rounded division. */
    public static float silu(float x) {
        return x / (1.0f + exp(-x));
    }

    /**
     * tanh(x) as {@code copySign((1 - t) / (1 + t), x)} with {@code t = exp(-2|x|)} (this class's exp): a few ulps
     * where |tanh| is large, at most ≈ 6e-8 absolute near 0, exactly ±1 beyond |x| ≈ 9; NaN passes through.
     */
    public static float tanh(float x) {
        if (x != x) return x;
        float t = exp(-2.0f * Math.abs(x));
        return Math.copySign((1.0f - t) / (1.0f + t), x);
    }

    /** sqrt(2 / pi) rounded to float: PyTorch's kBeta ({@code M_SQRT2 * M_2_SQRTPI * 0.5}) in a float kernel. */
    static final float GELU_BETA = (float) (Math.sqrt(2.0) * (2.0 / Math.sqrt(Math.PI)) * 0.5);
    static final float GELU_KAPPA = 0.044715f;

    /**
     * GELU, tanh form ({@code gelu_pytorch_tanh}), in PyTorch's order:
     * {@code inner = beta * (x + kappa * (x * x * x))}, {@code (0.5 * x) * (1 + tanh(inner))}, each operation rounded.
     */
    public static float geluTanh(float x) {
        float cube = x * x * x;
        float inner = GELU_BETA * (x + GELU_KAPPA * cube);
        return 0.5f * x * (1.0f + tanh(inner));
    }

    /** 1 / sqrt(x): a correctly rounded square root, then a correctly rounded division. */
    public static float invSqrt(float x) {
        // float -> double -> sqrt -> float is the correctly rounded float sqrt (double has > 2*24+2 bits).
        return 1.0f / (float) Math.sqrt(x);
    }
}
