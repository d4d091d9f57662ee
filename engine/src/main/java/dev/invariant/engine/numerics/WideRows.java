package dev.invariant.engine.numerics;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked canonical dots for K >= 256 (W = 256). The 256 partials of a token are produced in
 * passes over the weight row, each pass holding a group of partials in registers across every 256-wide
 * chunk of K and storing them once; a last, partial chunk is part of the pass for the groups it covers
 * whole, and adds its fma to the stored partials for the rest. So every partial receives its fmas in
 * increasing k, exactly as {@link Dot}. Tiles: 1 token x 64
 * partials, 2 tokens x 32, 4 tokens x 16 (the more tokens share a loaded weight vector, the fewer bf16
 * widenings per fma). Passes re-read the row from L1, so memory traffic stays one read of the row per
 * step. Partial q of token t lands in p[t * 256 + q]; {@link PartialTree#reduce} finishes each dot.
 *
 * <p>One kernel per dtype, each calling the Vector API directly: a vector merged across a branch (a
 * dtype test) or returned from a method the JIT did not inline becomes a heap object, and the loop then
 * runs several times slower.
 */
final class WideRows {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private WideRows() {
    }

    /** Partials of one token (x row at xo) into p[0..256). */
    static void oneBf16(MemorySegment seg, long base, float[] xs, int xo, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 64 * 64; // groups the last chunk covers whole take it in the loop
        for (int pb = 0; pb < 256; pb += 64) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 8) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                FloatVector w2 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 16) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
                FloatVector w3 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 24) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(w3, a3);
                FloatVector w4 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 32) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a4 = FloatVector.fromArray(F, xs, xo + c + 32).fma(w4, a4);
                FloatVector w5 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 40) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a5 = FloatVector.fromArray(F, xs, xo + c + 40).fma(w5, a5);
                FloatVector w6 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 48) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a6 = FloatVector.fromArray(F, xs, xo + c + 48).fma(w6, a6);
                FloatVector w7 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 56) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a7 = FloatVector.fromArray(F, xs, xo + c + 56).fma(w7, a7);
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
        tailBf16(seg, base, xs, xo, end, k, p, 0);
    }

    /** Partials of two tokens (x rows at xo, xo + ldx) into p[0..512). */
    static void twoBf16(MemorySegment seg, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 32 * 32; // groups the last chunk covers whole take it in the loop
        int xb = xo + ldx;
        for (int pb = 0; pb < 256; pb += 32) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 8) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector w2 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 16) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector w3 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 24) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
                a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(w3, a3);
                b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
                b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
                b2 = FloatVector.fromArray(F, xs, xb + c + 16).fma(w2, b2);
                b3 = FloatVector.fromArray(F, xs, xb + c + 24).fma(w3, b3);
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
        tailBf16(seg, base, xs, xo, end, k, p, 0);
        tailBf16(seg, base, xs, xb, end, k, p, 256);
    }

    /** Partials of four tokens (x rows at xo + t * ldx) into p[0..1024). */
    static void fourBf16(MemorySegment seg, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 16 * 16; // groups the last chunk covers whole take it in the loop
        int xb = xo + ldx, xc = xb + ldx, xd = xc + ldx;
        for (int pb = 0; pb < 256; pb += 16) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (c + 8) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
                b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
                c0 = FloatVector.fromArray(F, xs, xc + c).fma(w0, c0);
                c1 = FloatVector.fromArray(F, xs, xc + c + 8).fma(w1, c1);
                d0 = FloatVector.fromArray(F, xs, xd + c).fma(w0, d0);
                d1 = FloatVector.fromArray(F, xs, xd + c + 8).fma(w1, d1);
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
        tailBf16(seg, base, xs, xo, end, k, p, 0);
        tailBf16(seg, base, xs, xb, end, k, p, 256);
        tailBf16(seg, base, xs, xc, end, k, p, 512);
        tailBf16(seg, base, xs, xd, end, k, p, 768);
    }

    /** The rest of the last chunk, [from, k): the final fma of the partials it touches, on the stored partials. */
    private static void tailBf16(MemorySegment seg, long base, float[] xs, int xo, int from, int k, float[] p, int po) {
        int full = k & ~255;
        int len = k - full;
        int r = from - full;
        for (; r + 8 <= len; r += 8) {
            FloatVector wv = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (full + r) * 2, LE)
                        .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector.fromArray(F, xs, xo + full + r).fma(wv, FloatVector.fromArray(F, p, po + r)).intoArray(p, po + r);
        }
        for (; r < len; r++) p[po + r] = Math.fma(xs[xo + full + r], Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + (long) (full + r) * 2)), p[po + r]);
    }

    /** Partials of one token (x row at xo) into p[0..256). */
    static void oneF32(MemorySegment seg, long base, float[] xs, int xo, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 64 * 64; // groups the last chunk covers whole take it in the loop
        for (int pb = 0; pb < 256; pb += 64) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = FloatVector.fromMemorySegment(F, seg, base + (long) (c) * 4, LE);
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                FloatVector w1 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE);
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                FloatVector w2 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 16) * 4, LE);
                a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
                FloatVector w3 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 24) * 4, LE);
                a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(w3, a3);
                FloatVector w4 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 32) * 4, LE);
                a4 = FloatVector.fromArray(F, xs, xo + c + 32).fma(w4, a4);
                FloatVector w5 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 40) * 4, LE);
                a5 = FloatVector.fromArray(F, xs, xo + c + 40).fma(w5, a5);
                FloatVector w6 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 48) * 4, LE);
                a6 = FloatVector.fromArray(F, xs, xo + c + 48).fma(w6, a6);
                FloatVector w7 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 56) * 4, LE);
                a7 = FloatVector.fromArray(F, xs, xo + c + 56).fma(w7, a7);
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
        tailF32(seg, base, xs, xo, end, k, p, 0);
    }

    /** Partials of two tokens (x rows at xo, xo + ldx) into p[0..512). */
    static void twoF32(MemorySegment seg, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 32 * 32; // groups the last chunk covers whole take it in the loop
        int xb = xo + ldx;
        for (int pb = 0; pb < 256; pb += 32) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = FloatVector.fromMemorySegment(F, seg, base + (long) (c) * 4, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE);
                FloatVector w2 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 16) * 4, LE);
                FloatVector w3 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 24) * 4, LE);
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
                a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(w3, a3);
                b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
                b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
                b2 = FloatVector.fromArray(F, xs, xb + c + 16).fma(w2, b2);
                b3 = FloatVector.fromArray(F, xs, xb + c + 24).fma(w3, b3);
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
        tailF32(seg, base, xs, xo, end, k, p, 0);
        tailF32(seg, base, xs, xb, end, k, p, 256);
    }

    /** Partials of four tokens (x rows at xo + t * ldx) into p[0..1024). */
    static void fourF32(MemorySegment seg, long base, float[] xs, int xo, int ldx, int k, float[] p) {
        int full = k & ~255;
        int end = full + (k - full) / 16 * 16; // groups the last chunk covers whole take it in the loop
        int xb = xo + ldx, xc = xb + ldx, xd = xc + ldx;
        for (int pb = 0; pb < 256; pb += 16) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
            for (int c = pb; c < end; c += 256) {
                FloatVector w0 = FloatVector.fromMemorySegment(F, seg, base + (long) (c) * 4, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE);
                a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
                a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
                b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
                b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
                c0 = FloatVector.fromArray(F, xs, xc + c).fma(w0, c0);
                c1 = FloatVector.fromArray(F, xs, xc + c + 8).fma(w1, c1);
                d0 = FloatVector.fromArray(F, xs, xd + c).fma(w0, d0);
                d1 = FloatVector.fromArray(F, xs, xd + c + 8).fma(w1, d1);
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
        tailF32(seg, base, xs, xo, end, k, p, 0);
        tailF32(seg, base, xs, xb, end, k, p, 256);
        tailF32(seg, base, xs, xc, end, k, p, 512);
        tailF32(seg, base, xs, xd, end, k, p, 768);
    }

    /** The rest of the last chunk, [from, k): the final fma of the partials it touches, on the stored partials. */
    private static void tailF32(MemorySegment seg, long base, float[] xs, int xo, int from, int k, float[] p, int po) {
        int full = k & ~255;
        int len = k - full;
        int r = from - full;
        for (; r + 8 <= len; r += 8) {
            FloatVector wv = FloatVector.fromMemorySegment(F, seg, base + (long) (full + r) * 4, LE);
            FloatVector.fromArray(F, xs, xo + full + r).fma(wv, FloatVector.fromArray(F, p, po + r)).intoArray(p, po + r);
        }
        for (; r < len; r++) p[po + r] = Math.fma(xs[xo + full + r], seg.get(WeightMatrix.F32, base + (long) (full + r) * 4), p[po + r]);
    }
}
