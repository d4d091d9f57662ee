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

    /** Below it erf(|x|) is {@code |x| + |x| * P(x²)}; from it on {@code 1 - exp(Q(|x|))}. */
    static final float ERF_SPLIT = 0.875f;
    /** From it on erf is 1: erfc(4) ≈ 1.5e-8 is under half the float spacing below 1. */
    static final float ERF_ONE = 4.0f;
    /** P(r) ≈ erf(a) / a - 1 over r = a² in [0, 0.875²] (least squares; the whole erf within 1 ulp there). */
    static final float[] ERF_SMALL = {
        0x1.06eba8p-3f, -0x1.81271cp-2f, 0x1.ce2418p-4f, -0x1.b722dcp-6f, 0x1.4afa84p-8f, -0x1.4a8c92p-11f
    };
    /** Q(a) ≈ ln erfc(a) over a in [0.875, 4] (least squares; erf within ≈ 1 ulp there). */
    static final float[] ERF_LARGE = {
        0x1.6b28f4p-14f, -0x1.2102b8p+0f, -0x1.451894p-1f, -0x1.b0bb1ap-4f, 0x1.6e3c50p-6f, -0x1.234f30p-9f,
        -0x1.068b90p-11f, 0x1.2930f8p-12f, -0x1.136468p-14f, 0x1.2b088ep-17f, -0x1.71f202p-21f, 0x1.9511acp-26f
    };

    /**
     * erf(x) within ≈ 1 ulp (ErfTest): two polynomials by Horner's rule in fmas and this class's exp; odd, so the sign
     * is copied; NaN passes through.
     */
    public static float erf(float x) {
        if (x != x) return x;
        float a = Math.abs(x);
        float y;
        if (a < ERF_SPLIT) {
            y = Math.fma(a, horner(ERF_SMALL, a * a), a);
        } else if (a < ERF_ONE) {
            y = 1.0f - exp(horner(ERF_LARGE, a));
        } else {
            y = 1.0f;
        }
        return Math.copySign(y, x);
    }

    private static float horner(float[] c, float x) {
        float p = c[c.length - 1];
        for (int i = c.length - 2; i >= 0; i--) p = Math.fma(p, x, c[i]);
        return p;
    }

    /** 1 / sqrt(2) rounded to float: PyTorch's kAlpha ({@code M_SQRT1_2}) in a float kernel. */
    static final float GELU_ALPHA = (float) (1.0 / Math.sqrt(2.0));

    /**
     * GELU, exact form ({@code gelu}: transformers' GELUActivation, PyTorch's {@code approximate='none'}), in PyTorch's
     * order: {@code (x * 0.5) * (1 + erf(x * alpha))}, each operation rounded (Gemma 1's MLP).
     */
    public static float geluErf(float x) {
        return x * 0.5f * (1.0f + erf(x * GELU_ALPHA));
    }

    /** 1 / sqrt(x): a correctly rounded square root, then a correctly rounded division. */
    public static float invSqrt(float x) {
        // float -> double -> sqrt -> float is the correctly rounded float sqrt (double has > 2*24+2 bits).
        return 1.0f / (float) Math.sqrt(x);
    }
}
