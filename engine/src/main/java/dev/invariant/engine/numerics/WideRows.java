package dev.invariant.engine.numerics;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked canonical dots for K >= 256 (W = 256). The 256 partial sums are produced in passes:
 * one token keeps 64 partials (8 registers) per pass, a pair of tokens 32 partials each; every partial
 * still receives its fmas in increasing k and the tree is the contract's, so the bits equal {@link Dot}.
 * Passes re-read the weight row from L1, so memory traffic stays one read of the row per step.
 */
final class WideRows {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private WideRows() {
    }

    private static FloatVector w(MemorySegment seg, boolean bf16, long base, int k) {
        return bf16 ? MatMul.loadBf16(seg, base + (long) k * 2) : MatMul.loadF32(seg, base + (long) k * 4);
    }

    private static FloatVector x(float[] x, int i) {
        return FloatVector.fromArray(F, x, i);
    }

    /** Partials P[0..256) of one token into p[0..256); the caller runs the tree. */
    static void one(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int k, float[] p) {
        int full = k & ~255;
        for (int pb = 0; pb < 256; pb += 64) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int c = pb; c < full; c += 256) {
                a0 = x(xs, xo + c).fma(w(seg, bf16, base, c), a0);
                a1 = x(xs, xo + c + 8).fma(w(seg, bf16, base, c + 8), a1);
                a2 = x(xs, xo + c + 16).fma(w(seg, bf16, base, c + 16), a2);
                a3 = x(xs, xo + c + 24).fma(w(seg, bf16, base, c + 24), a3);
                a4 = x(xs, xo + c + 32).fma(w(seg, bf16, base, c + 32), a4);
                a5 = x(xs, xo + c + 40).fma(w(seg, bf16, base, c + 40), a5);
                a6 = x(xs, xo + c + 48).fma(w(seg, bf16, base, c + 48), a6);
                a7 = x(xs, xo + c + 56).fma(w(seg, bf16, base, c + 56), a7);
            }
            a0.intoArray(p, pb);
            a1.intoArray(p, pb + 8);
            a2.intoArray(p, pb + 16);
            a3.intoArray(p, pb + 24);
            a4.intoArray(p, pb + 32);
            a5.intoArray(p, pb + 40);
            a6.intoArray(p, pb + 48);
            a7.intoArray(p, pb + 56);
        }
        tail(seg, bf16, base, xs, xo, k, full, p, 0);
    }

    /** Partials of two tokens (x rows at xo and xo + ldx) into p[0..256) and p[256..512). */
    static void two(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int yo = xo + ldx;
        for (int pb = 0; pb < 256; pb += 32) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = pb; c < full; c += 256) {
                FloatVector w0 = w(seg, bf16, base, c);
                FloatVector w1 = w(seg, bf16, base, c + 8);
                FloatVector w2 = w(seg, bf16, base, c + 16);
                FloatVector w3 = w(seg, bf16, base, c + 24);
                a0 = x(xs, xo + c).fma(w0, a0);
                a1 = x(xs, xo + c + 8).fma(w1, a1);
                a2 = x(xs, xo + c + 16).fma(w2, a2);
                a3 = x(xs, xo + c + 24).fma(w3, a3);
                b0 = x(xs, yo + c).fma(w0, b0);
                b1 = x(xs, yo + c + 8).fma(w1, b1);
                b2 = x(xs, yo + c + 16).fma(w2, b2);
                b3 = x(xs, yo + c + 24).fma(w3, b3);
            }
            a0.intoArray(p, pb);
            a1.intoArray(p, pb + 8);
            a2.intoArray(p, pb + 16);
            a3.intoArray(p, pb + 24);
            b0.intoArray(p, 256 + pb);
            b1.intoArray(p, 256 + pb + 8);
            b2.intoArray(p, 256 + pb + 16);
            b3.intoArray(p, 256 + pb + 24);
        }
        tail(seg, bf16, base, xs, xo, k, full, p, 0);
        tail(seg, bf16, base, xs, yo, k, full, p, 256);
    }

    /** The last, partial chunk k in [full, k): the final fma of the partials it touches. */
    private static void tail(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int k, int full,
                             float[] p, int po) {
        int len = k - full;
        int r = 0;
        for (; r + 8 <= len; r += 8) {
            x(xs, xo + full + r).fma(w(seg, bf16, base, full + r), FloatVector.fromArray(F, p, po + r)).intoArray(p, po + r);
        }
        for (; r < len; r++) {
            long i = full + r;
            float wk = bf16 ? Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + i * 2)) : seg.get(WeightMatrix.F32, base + i * 4);
            p[po + r] = Math.fma(xs[xo + full + r], wk, p[po + r]);
        }
    }
}
