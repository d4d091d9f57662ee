package dev.invariant.engine.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The canonical dot product (docs/numerics.md, "Canonical dot"): W interleaved partial sums
 * P[k mod W] accumulated with fma in increasing k, then a halving tree P[p] += P[p + s] for
 * s = W/2 .. 1. W = 32 when K >= 32, else the smallest power of two >= K.
 * Vector code holds P[8r .. 8r+7] in one 8-lane register: the accumulation order per partial is
 * unchanged, the halvings with s >= 8 are vertical vector adds, the last three are scalar.
 */
public final class Dot {
    public static final int PARTIALS = 32;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final int LANES = 8;

    private Dot() {
    }

    /** The number of partial sums W for a dot of length k. */
    public static int width(int k) {
        if (k >= PARTIALS) return PARTIALS;
        if (k <= 1) return 1;
        return Integer.highestOneBit(k - 1) << 1;
    }

    /** The contract, written as plainly as possible: the reference every fast path must equal bit for bit. */
    public static float reference(float[] x, int xo, float[] w, int wo, int k) {
        int width = width(k);
        float[] p = new float[width];
        for (int i = 0; i < k; i++) {
            int q = i & (width - 1);
            p[q] = Math.fma(x[xo + i], w[wo + i], p[q]);
        }
        for (int s = width / 2; s >= 1; s /= 2) {
            for (int q = 0; q < s; q++) p[q] = p[q] + p[q + s];
        }
        return p[0];
    }

    /** Canonical dot of x[xo..xo+k) and w[wo..wo+k); {@code scratch} holds at least {@link #PARTIALS} floats. */
    public static float dot(float[] x, int xo, float[] w, int wo, int k, float[] scratch) {
        int width = width(k);
        if (width == PARTIALS) return dot32(x, xo, w, wo, k, scratch);
        if (k == 8) return dot8(x, xo, w, wo);
        float[] p = scratch;
        java.util.Arrays.fill(p, 0, width, 0.0f);
        if (width < LANES) {
            for (int i = 0; i < k; i++) p[i] = Math.fma(x[xo + i], w[wo + i], p[i]);
            return tree(p, 0, width);
        }
        int c = 0;
        for (; c + width <= k; c += width) {
            for (int r = 0; r < width; r += LANES) {
                FloatVector acc = FloatVector.fromArray(F, p, r);
                FloatVector.fromArray(F, x, xo + c + r).fma(FloatVector.fromArray(F, w, wo + c + r), acc).intoArray(p, r);
            }
        }
        int len = k - c;
        int r = 0;
        for (; r + LANES <= len; r += LANES) {
            FloatVector acc = FloatVector.fromArray(F, p, r);
            FloatVector.fromArray(F, x, xo + c + r).fma(FloatVector.fromArray(F, w, wo + c + r), acc).intoArray(p, r);
        }
        for (; r < len; r++) p[r] = Math.fma(x[xo + c + r], w[wo + c + r], p[r]);
        return tree(p, 0, width);
    }

    /** W = 32: the partials in four registers across the whole chunks, then the rest of K on the stored partials. */
    private static float dot32(float[] x, int xo, float[] w, int wo, int k, float[] p) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + PARTIALS <= k; c += PARTIALS) {
            a0 = FloatVector.fromArray(F, x, xo + c).fma(FloatVector.fromArray(F, w, wo + c), a0);
            a1 = FloatVector.fromArray(F, x, xo + c + 8).fma(FloatVector.fromArray(F, w, wo + c + 8), a1);
            a2 = FloatVector.fromArray(F, x, xo + c + 16).fma(FloatVector.fromArray(F, w, wo + c + 16), a2);
            a3 = FloatVector.fromArray(F, x, xo + c + 24).fma(FloatVector.fromArray(F, w, wo + c + 24), a3);
        }
        a0.intoArray(p, 0);
        a1.intoArray(p, 8);
        a2.intoArray(p, 16);
        a3.intoArray(p, 24);
        for (int r = 0; c + r < k; r++) p[r] = Math.fma(x[xo + c + r], w[wo + c + r], p[r]);
        return PartialTree.reduce(p, 0);
    }

    /** K = 8 (small head dims): one fma per partial, then the tree s = 4, 2, 1, in scalars. */
    private static float dot8(float[] x, int xo, float[] w, int wo) {
        float p0 = Math.fma(x[xo], w[wo], 0f), p1 = Math.fma(x[xo + 1], w[wo + 1], 0f);
        float p2 = Math.fma(x[xo + 2], w[wo + 2], 0f), p3 = Math.fma(x[xo + 3], w[wo + 3], 0f);
        float p4 = Math.fma(x[xo + 4], w[wo + 4], 0f), p5 = Math.fma(x[xo + 5], w[wo + 5], 0f);
        float p6 = Math.fma(x[xo + 6], w[wo + 6], 0f), p7 = Math.fma(x[xo + 7], w[wo + 7], 0f);
        float q0 = p0 + p4, q1 = p1 + p5, q2 = p2 + p6, q3 = p3 + p7;
        return (q0 + q2) + (q1 + q3);
    }

    /** Canonical dot with a fresh scratch buffer (for cold paths and tests). */
    public static float dot(float[] x, float[] w) {
        if (x.length != w.length) throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + w.length);
        return dot(x, 0, w, 0, x.length, new float[PARTIALS]);
    }

    /** Canonical sum: the canonical dot with w = 1, since fma(x, 1, P) = P + x exactly. */
    public static float sum(float[] x, int xo, int k, float[] scratch) {
        int width = width(k);
        float[] p = scratch;
        java.util.Arrays.fill(p, 0, width, 0.0f);
        int c = 0;
        if (width >= LANES) {
            for (; c + width <= k; c += width) {
                for (int r = 0; r < width; r += LANES) {
                    FloatVector.fromArray(F, p, r).add(FloatVector.fromArray(F, x, xo + c + r)).intoArray(p, r);
                }
            }
        }
        for (int i = c; i < k; i++) {
            int q = (i - c) & (width - 1);
            p[q] = p[q] + x[xo + i];
        }
        return tree(p, 0, width);
    }

    /** The halving tree over p[o .. o + width): vector adds while s >= 8, then scalar. */
    public static float tree(float[] p, int o, int width) {
        int s = width / 2;
        for (; s >= LANES; s /= 2) {
            for (int q = 0; q < s; q += LANES) {
                FloatVector.fromArray(F, p, o + q).add(FloatVector.fromArray(F, p, o + q + s)).intoArray(p, o + q);
            }
        }
        for (; s >= 1; s /= 2) {
            for (int q = 0; q < s; q++) p[o + q] = p[o + q] + p[o + q + s];
        }
        return p[o];
    }
}
