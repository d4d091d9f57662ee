package dev.invariant.engine.sample;

/**
 * The sampler's float32 exp, built only from float {@code * + fma} and exact power-of-two scaling, so
 * any language that has IEEE-754 binary32 and fma reproduces every bit (docs/sampling.md, "exp").
 * It stands alone so that sampling does not depend on the model's numerics code; the two are meant to
 * share one exp eventually.
 */
final class SamplerExp {
    static final float LOG2E = 0x1.715476p+0f;
    static final float LN2_HI = 0x1.62e4p-1f;     // 15 significant bits: k * LN2_HI is exact
    static final float LN2_LO = 0x1.7f7d1cp-20f;  // ln 2 - LN2_HI, rounded
    static final float C2 = 0x1.0p-1f;            // 1/2!, ..., 1/7!, each rounded to float
    static final float C3 = 0x1.555556p-3f;
    static final float C4 = 0x1.555556p-5f;
    static final float C5 = 0x1.111112p-7f;
    static final float C6 = 0x1.6c16c2p-10f;
    static final float C7 = 0x1.a01a02p-13f;
    /** Largest argument with a finite result; above it exp is +infinity. */
    static final float MAX_ARG = 0x1.62e42ep+6f;
    /** Below it exp is 0 (e^-104 is under half the smallest subnormal). */
    static final float MIN_ARG = -104f;

    private SamplerExp() {}

    static float exp(float x) {
        if (Float.isNaN(x)) return x;
        if (x > MAX_ARG) return Float.POSITIVE_INFINITY;
        if (x < MIN_ARG) return 0f;
        // x = k ln2 + r with |r| <= ~ln2/2; rint rounds half to even, exactly as in C.
        float k = (float) Math.rint(x * LOG2E);
        float r = Math.fma(k, -LN2_HI, x);
        r = Math.fma(k, -LN2_LO, r);
        float p = C7;
        p = Math.fma(p, r, C6);
        p = Math.fma(p, r, C5);
        p = Math.fma(p, r, C4);
        p = Math.fma(p, r, C3);
        p = Math.fma(p, r, C2);
        p = Math.fma(p, r, 1f);
        p = Math.fma(p, r, 1f);
        return scale(p, (int) k);
    }

    /** p * 2^k with k in [-150, 128]; at most one rounding (only when the result is subnormal). */
    private static float scale(float p, int k) {
        if (k > 127) return p * 2f * pow2(127);
        if (k < -126) return p * pow2(k + 64) * 0x1p-64f;
        return p * pow2(k);
    }

    private static float pow2(int k) {
        return Float.intBitsToFloat((k + 127) << 23);
    }
}
