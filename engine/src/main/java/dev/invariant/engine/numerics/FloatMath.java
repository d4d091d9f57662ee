package dev.invariant.engine.numerics;

/**
 * The contract's transcendentals, built only from float {@code + * /}, {@code fma} and exponent-bit
 * scaling, so that CUDA (compiled with -fmad=false -ftz=false) computes the same bits (docs/numerics.md).
 * No {@link Math#exp} anywhere: library exp differs between JDKs, CPUs and GPUs.
 */
public final class FloatMath {
    private FloatMath() {
    }

    static final float LOG2E = 0x1.715476p0f;
    /** ln 2 split in two: HI is the float nearest ln 2, LO the float nearest (ln 2 - HI). */
    static final float LN2_HI = 0x1.62e430p-1f;
    static final float LN2_LO = -0x1.05c610p-29f;
    /** Above this exp overflows to +inf; below the other it underflows to +0 (beyond half the least subnormal). */
    static final float EXP_MAX_INPUT = 89.0f;
    static final float EXP_MIN_INPUT = -104.0f;
    /** Taylor coefficients 1/k! (k = 0..7) rounded to float; degree 7 keeps the truncation error below 0.1 ulp. */
    static final float[] EXP_POLY = {
        1.0f, 1.0f, 0.5f, 0x1.555556p-3f, 0x1.555556p-5f, 0x1.111112p-7f, 0x1.6c16c2p-10f, 0x1.a01a02p-13f
    };

    /** e^x within 2 ulp for normal results, correctly scaled into the subnormal range, NaN passes through. */
    public static float exp(float x) {
        if (x != x) return x;
        if (x > EXP_MAX_INPUT) return Float.POSITIVE_INFINITY;
        if (x < EXP_MIN_INPUT) return 0.0f;
        // x = n ln2 + r, |r| <= ln2/2 (plus rounding); r via fma so the two-part ln2 keeps its precision.
        float n = (float) Math.rint(x * LOG2E);
        float r = Math.fma(-n, LN2_HI, x);
        r = Math.fma(-n, LN2_LO, r);
        float p = EXP_POLY[7];
        for (int k = 6; k >= 0; k--) p = Math.fma(p, r, EXP_POLY[k]);
        // 2^n in two exact steps: n1 keeps the first product normal, so the second is the only rounding
        // (which is what makes subnormal results identical wherever denormals are honoured).
        int ni = (int) n;
        int n1 = ni >> 1;
        int n2 = ni - n1;
        return (p * pow2(n1)) * pow2(n2);
    }

    /** 2^e for -126 <= e <= 127, from the exponent bits. */
    static float pow2(int e) {
        return Float.intBitsToFloat((e + 127) << 23);
    }

    /** x * sigmoid(x) written as x / (1 + e^-x): one exp, one add, one correctly rounded division. */
    public static float silu(float x) {
        return x / (1.0f + exp(-x));
    }

    /** 1 / sqrt(x): a correctly rounded square root, then a correctly rounded division. */
    public static float invSqrt(float x) {
        // float -> double -> sqrt -> float is the correctly rounded float sqrt (double has > 2*24+2 bits).
        return 1.0f / (float) Math.sqrt(x);
    }
}
