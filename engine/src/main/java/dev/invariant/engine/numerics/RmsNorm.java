package dev.invariant.engine.numerics;

/**
 * RMSNorm as the contract writes it: ss = canonical dot(x, x); mean = ss / n; inv = 1 / sqrt(mean + eps);
 * y[i] = w[i] * (x[i] * inv). The same function serves Qwen3's per-head q_norm / k_norm.
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * Gemma's norm weights, which scale by {@code 1 + w}: each becomes the float {@code 1 + w} (in place), the sum
     * transformers computes in float32 before the product, so {@link #apply} then gives its values on either backend.
     */
    public static float[] unitOffset(float[] w) {
        for (int i = 0; i < w.length; i++) w[i] = 1.0f + w[i];
        return w;
    }

    /** Normalises x[xo..xo+n) into y[yo..yo+n) (y may be x); {@code scratch} holds at least 256 floats. */
    public static void apply(float[] x, int xo, float[] w, float eps, int n, float[] y, int yo, float[] scratch) {
        float ss = Dot.dot(x, xo, x, xo, n, scratch);
        float mean = ss / n;
        float inv = FloatMath.invSqrt(mean + eps);
        for (int i = 0; i < n; i++) y[yo + i] = w[i] * (x[xo + i] * inv);
    }
}
