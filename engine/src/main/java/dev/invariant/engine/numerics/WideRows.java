package dev.invariant.engine.numerics;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked canonical dots for K >= 256 (W = 256). The 256 partials of a token are produced in
 * passes over the weight row, each pass holding a group of partials in registers across every 256-wide
 * chunk of K, the last partial chunk included; so every partial receives its fmas in increasing k, exactly
 * as {@link Dot}, and is stored once. Tiles: 1 token x 64 partials, 2 tokens x 32, 4 tokens x 16 (the
 * more tokens share a loaded weight vector, the fewer bf16 widenings per fma). Passes re-read the row
 * from L1, so memory traffic stays one read of the row per step. Partial p of token t lands in
 * p[t * 256 + p]; {@link PartialTree#reduce} finishes each dot.
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

    /** Partials of one token (x row at xo) into p[0..256). */
    static void one(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int k, float[] p) {
        int full = k & ~255;
        int vt = (k - full) & ~7; // partials [0, vt) get a last fma from whole vectors of the final chunk
        for (int pb = 0; pb < 256; pb += 64) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            int c = pb;
            for (; c < full; c += 256) {
                a0 = x(xs, xo + c).fma(w(seg, bf16, base, c), a0);
                a1 = x(xs, xo + c + 8).fma(w(seg, bf16, base, c + 8), a1);
                a2 = x(xs, xo + c + 16).fma(w(seg, bf16, base, c + 16), a2);
                a3 = x(xs, xo + c + 24).fma(w(seg, bf16, base, c + 24), a3);
                a4 = x(xs, xo + c + 32).fma(w(seg, bf16, base, c + 32), a4);
                a5 = x(xs, xo + c + 40).fma(w(seg, bf16, base, c + 40), a5);
                a6 = x(xs, xo + c + 48).fma(w(seg, bf16, base, c + 48), a6);
                a7 = x(xs, xo + c + 56).fma(w(seg, bf16, base, c + 56), a7);
            }
            if (pb < vt) {
                a0 = x(xs, xo + c).fma(w(seg, bf16, base, c), a0);
                if (pb + 16 <= vt) a1 = x(xs, xo + c + 8).fma(w(seg, bf16, base, c + 8), a1);
                if (pb + 24 <= vt) a2 = x(xs, xo + c + 16).fma(w(seg, bf16, base, c + 16), a2);
                if (pb + 32 <= vt) a3 = x(xs, xo + c + 24).fma(w(seg, bf16, base, c + 24), a3);
                if (pb + 40 <= vt) a4 = x(xs, xo + c + 32).fma(w(seg, bf16, base, c + 32), a4);
                if (pb + 48 <= vt) a5 = x(xs, xo + c + 40).fma(w(seg, bf16, base, c + 40), a5);
                if (pb + 56 <= vt) a6 = x(xs, xo + c + 48).fma(w(seg, bf16, base, c + 48), a6);
                if (pb + 64 <= vt) a7 = x(xs, xo + c + 56).fma(w(seg, bf16, base, c + 56), a7);
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
        lanes(seg, bf16, base, xs, xo, k, full + vt, p, 0);
    }

    /** Partials of two tokens (x rows at xo, xo + ldx) into p[0..512). */
    static void two(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int vt = (k - full) & ~7;
        int xb = xo + ldx;
        for (int pb = 0; pb < 256; pb += 32) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            int c = pb;
            for (; c < full; c += 256) {
                FloatVector w0 = w(seg, bf16, base, c);
                FloatVector w1 = w(seg, bf16, base, c + 8);
                FloatVector w2 = w(seg, bf16, base, c + 16);
                FloatVector w3 = w(seg, bf16, base, c + 24);
                a0 = x(xs, xo + c).fma(w0, a0);
                a1 = x(xs, xo + c + 8).fma(w1, a1);
                a2 = x(xs, xo + c + 16).fma(w2, a2);
                a3 = x(xs, xo + c + 24).fma(w3, a3);
                b0 = x(xs, xb + c).fma(w0, b0);
                b1 = x(xs, xb + c + 8).fma(w1, b1);
                b2 = x(xs, xb + c + 16).fma(w2, b2);
                b3 = x(xs, xb + c + 24).fma(w3, b3);
            }
            if (pb < vt) {
                FloatVector w0 = w(seg, bf16, base, c);
                a0 = x(xs, xo + c).fma(w0, a0);
                b0 = x(xs, xb + c).fma(w0, b0);
                if (pb + 16 <= vt) {
                    FloatVector w1 = w(seg, bf16, base, c + 8);
                    a1 = x(xs, xo + c + 8).fma(w1, a1);
                    b1 = x(xs, xb + c + 8).fma(w1, b1);
                }
                if (pb + 24 <= vt) {
                    FloatVector w2 = w(seg, bf16, base, c + 16);
                    a2 = x(xs, xo + c + 16).fma(w2, a2);
                    b2 = x(xs, xb + c + 16).fma(w2, b2);
                }
                if (pb + 32 <= vt) {
                    FloatVector w3 = w(seg, bf16, base, c + 24);
                    a3 = x(xs, xo + c + 24).fma(w3, a3);
                    b3 = x(xs, xb + c + 24).fma(w3, b3);
                }
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
        lanes(seg, bf16, base, xs, xo, k, full + vt, p, 0);
        lanes(seg, bf16, base, xs, xb, k, full + vt, p, 256);
    }

    /** Partials of four tokens (x rows at xo + t * ldx) into p[0..1024). */
    static void four(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int vt = (k - full) & ~7;
        int xb = xo + ldx, xc = xb + ldx, xd = xc + ldx;
        for (int pb = 0; pb < 256; pb += 16) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            int c = pb;
            for (; c < full; c += 256) {
                FloatVector w0 = w(seg, bf16, base, c);
                FloatVector w1 = w(seg, bf16, base, c + 8);
                a0 = x(xs, xo + c).fma(w0, a0);
                a1 = x(xs, xo + c + 8).fma(w1, a1);
                b0 = x(xs, xb + c).fma(w0, b0);
                b1 = x(xs, xb + c + 8).fma(w1, b1);
                c0 = x(xs, xc + c).fma(w0, c0);
                c1 = x(xs, xc + c + 8).fma(w1, c1);
                d0 = x(xs, xd + c).fma(w0, d0);
                d1 = x(xs, xd + c + 8).fma(w1, d1);
            }
            if (pb < vt) {
                FloatVector w0 = w(seg, bf16, base, c);
                a0 = x(xs, xo + c).fma(w0, a0);
                b0 = x(xs, xb + c).fma(w0, b0);
                c0 = x(xs, xc + c).fma(w0, c0);
                d0 = x(xs, xd + c).fma(w0, d0);
                if (pb + 16 <= vt) {
                    FloatVector w1 = w(seg, bf16, base, c + 8);
                    a1 = x(xs, xo + c + 8).fma(w1, a1);
                    b1 = x(xs, xb + c + 8).fma(w1, b1);
                    c1 = x(xs, xc + c + 8).fma(w1, c1);
                    d1 = x(xs, xd + c + 8).fma(w1, d1);
                }
            }
            a0.intoArray(p, pb);
            a1.intoArray(p, pb + 8);
            b0.intoArray(p, 256 + pb);
            b1.intoArray(p, 256 + pb + 8);
            c0.intoArray(p, 512 + pb);
            c1.intoArray(p, 512 + pb + 8);
            d0.intoArray(p, 768 + pb);
            d1.intoArray(p, 768 + pb + 8);
        }
        for (int t = 0; t < 4; t++) lanes(seg, bf16, base, xs, xo + t * ldx, k, full + vt, p, t * 256);
    }

    /** The final chunk's last k % 8 elements, past the whole vectors: one scalar fma each, after the rest. */
    private static void lanes(MemorySegment seg, boolean bf16, long base, float[] xs, int xo, int k, int from,
                              float[] p, int po) {
        int full = k & ~255;
        for (int i = from; i < k; i++) {
            float wk = bf16 ? Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + (long) i * 2))
                    : seg.get(WeightMatrix.F32, base + (long) i * 4);
            int q = po + i - full;
            p[q] = Math.fma(xs[xo + i], wk, p[q]);
        }
    }
}
