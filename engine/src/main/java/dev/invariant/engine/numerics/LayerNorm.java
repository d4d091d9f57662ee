package dev.invariant.engine.numerics;

/**
 * LayerNorm as the contract writes it (docs/numerics.md §4): mean = canonical sum(x) / n; d[i] = x[i] - mean;
 * var = canonical dot(d, d) / n; inv = 1 / sqrt(var + eps); y[i] = w[i] * (d[i] * inv) + b[i], each operation
 * rounded. Two passes, as torch's LayerNorm is defined (the mean first, then the spread around it), never the
 * one-pass E[x²] − E[x]², which loses the variance of rows far from zero.
 */
public final class LayerNorm {
    private LayerNorm() {
    }

    /**
     * Normalises x[xo..xo+n) into y[yo..yo+n) (y may be x); {@code scratch} holds at least {@link Dot#PARTIALS}
     * floats and {@code centred} at least n.
     */
    public static void apply(float[] x, int xo, float[] w, float[] b, float eps, int n, float[] y, int yo,
                             float[] scratch, float[] centred) {
        float mean = Dot.sum(x, xo, n, scratch) / n;
        for (int i = 0; i < n; i++) centred[i] = x[xo + i] - mean;
        float var = Dot.dot(centred, 0, centred, 0, n, scratch) / n;
        float inv = FloatMath.invSqrt(var + eps);
        for (int i = 0; i < n; i++) y[yo + i] = w[i] * (centred[i] * inv) + b[i];
    }
}
