package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.PartialTree;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Canonical dots with W = 32 partials (K >= 17; docs/numerics.md, "Canonical dot"). The 32 partials of a token
 * are four 8-lane registers; the row is swept once, front to back, one 32-wide chunk per step, so every partial
 * receives its fmas in increasing k, exactly as {@link Dot}. When K is whole chunks, the tree's vector steps are
 * done in the registers and the one register left is stored at the caller's offset (MatMul finishes eight rows of a
 * token together, {@link PartialTree#last8}; {@link #finish} one row); otherwise the four registers are stored, the
 * rest of K (a partial chunk) adds its fmas to the stored partials, and {@link PartialTree#reduce} finishes each dot.
 *
 * <p>One token ({@code oneBf16}, {@code oneF32}) reads the row straight from the weight segment: decoding one
 * sequence is memory-bound and a sequential read is what the prefetchers stream fastest. Two tokens share each
 * weight vector: an f32 row is read from the segment too ({@link #twoF32}: on rows of 64, a prefill of a few tokens
 * spent as long copying each row to the heap as on its fmas); a bf16 row is widened to f32 once per row
 * ({@link #widenBf16}, then {@link #two}), which leaves no widening in the inner loop.
 *
 * <p>One kernel per weight source, each calling the Vector API directly: a vector merged across a branch (a dtype
 * test) or returned from a method the JIT did not inline becomes a heap object, and the loop then runs several
 * times slower.
 */
final class WideRows {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int W = Dot.PARTIALS;

    private WideRows() {
    }

    /** Partials of one token (x row at xo) against a bf16 row at byte offset base, into p[pa ..) ({@link #store}). */
    static void oneBf16(MemorySegment seg, long base, float[] xs, int xo, int k, float[] p, int pa) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) c * 2, LE)
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
        }
        // the tail's whole groups of 8 in the registers (P[r] for r < k - c gets its one fma there), the rest below
        if (c + 8 <= k) a0 = FloatVector.fromArray(F, xs, xo + c).fma(MatMul.loadBf16(seg, base + (long) c * 2), a0);
        if (c + 16 <= k) a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(MatMul.loadBf16(seg, base + (long) (c + 8) * 2), a1);
        if (c + 24 <= k) a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(MatMul.loadBf16(seg, base + (long) (c + 16) * 2), a2);
        if (store(c == k, a0, a1, a2, a3, p, pa)) return;
        for (int r = (k - c) & -8; c + r < k; r++) {
            p[pa + r] = Math.fma(xs[xo + c + r], Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + (long) (c + r) * 2)), p[pa + r]);
        }
    }

    /** Partials of one token (x row at xo) against an f32 row at byte offset base, into p[pa ..) ({@link #store}). */
    static void oneF32(MemorySegment seg, long base, float[] xs, int xo, int k, float[] p, int pa) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(FloatVector.fromMemorySegment(F, seg, base + (long) c * 4, LE), a0);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE), a1);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (c + 16) * 4, LE), a2);
            a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (c + 24) * 4, LE), a3);
        }
        if (c + 8 <= k) a0 = FloatVector.fromArray(F, xs, xo + c).fma(FloatVector.fromMemorySegment(F, seg, base + (long) c * 4, LE), a0);
        if (c + 16 <= k) a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE), a1);
        if (c + 24 <= k) a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (c + 16) * 4, LE), a2);
        if (store(c == k, a0, a1, a2, a3, p, pa)) return;
        int r = (k - c) & -8;
        if (c + r + 4 <= k) {
            fma4(xs, xo + c + r, seg, base + (long) (c + r) * 4, p, pa + r);
            r += 4;
        }
        for (; c + r < k; r++) {
            p[pa + r] = Math.fma(xs[xo + c + r], seg.get(WeightMatrix.F32, base + (long) (c + r) * 4), p[pa + r]);
        }
    }

    /** The dot from what a kernel left at p[o ..] for a row of length k (one row at a time: MatMul groups rows). */
    static float finish(float[] p, int o, int k) {
        return k % W == 0 ? PartialTree.last(p, o) : PartialTree.reduce(p, o);
    }

    /** A bf16 row widened (exactly) into wr[wo .. wo + k). */
    static void widenBf16(MemorySegment seg, long base, int k, float[] wr, int wo) {
        int i = 0;
        for (; i + 8 <= k; i += 8) {
            ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) i * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                    .intoArray(wr, wo + i);
        }
        for (; i < k; i++) wr[wo + i] = Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + (long) i * 2));
    }

    /** An f32 row copied into wr[wo .. wo + k). */
    static void copyF32(MemorySegment seg, long base, int k, float[] wr, int wo) {
        MemorySegment.copy(seg, WeightMatrix.F32, base, wr, wo, k);
    }

    /** Partials of two tokens (x rows at xo, xo + ldx) against the row in wr[wo ..), into p[pa ..) and p[pb ..). */
    static void two(float[] wr, int wo, float[] xs, int xo, int ldx, int k, float[] p, int pa, int pb) {
        int xb = xo + ldx;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
            FloatVector w0 = FloatVector.fromArray(F, wr, wo + c);
            FloatVector w1 = FloatVector.fromArray(F, wr, wo + c + 8);
            FloatVector w2 = FloatVector.fromArray(F, wr, wo + c + 16);
            FloatVector w3 = FloatVector.fromArray(F, wr, wo + c + 24);
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
            a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(w3, a3);
            b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
            b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
            b2 = FloatVector.fromArray(F, xs, xb + c + 16).fma(w2, b2);
            b3 = FloatVector.fromArray(F, xs, xb + c + 24).fma(w3, b3);
        }
        if (c + 8 <= k) {
            FloatVector w0 = FloatVector.fromArray(F, wr, wo + c);
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
            b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
        }
        if (c + 16 <= k) {
            FloatVector w1 = FloatVector.fromArray(F, wr, wo + c + 8);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
            b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
        }
        if (c + 24 <= k) {
            FloatVector w2 = FloatVector.fromArray(F, wr, wo + c + 16);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
            b2 = FloatVector.fromArray(F, xs, xb + c + 16).fma(w2, b2);
        }
        store(c == k, b0, b1, b2, b3, p, pb);
        if (store(c == k, a0, a1, a2, a3, p, pa)) return;
        for (int r = (k - c) & -8; c + r < k; r++) {
            float w = wr[wo + c + r];
            p[pa + r] = Math.fma(xs[xo + c + r], w, p[pa + r]);
            p[pb + r] = Math.fma(xs[xb + c + r], w, p[pb + r]);
        }
    }

    /** As {@link #two}, the f32 row read from the weight segment at byte offset base. */
    static void twoF32(MemorySegment seg, long base, float[] xs, int xo, int ldx, int k, float[] p, int pa,
                       int pb) {
        int xb = xo + ldx;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
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
        if (c + 8 <= k) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, seg, base + (long) c * 4, LE);
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(w0, a0);
            b0 = FloatVector.fromArray(F, xs, xb + c).fma(w0, b0);
        }
        if (c + 16 <= k) {
            FloatVector w1 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 8) * 4, LE);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(w1, a1);
            b1 = FloatVector.fromArray(F, xs, xb + c + 8).fma(w1, b1);
        }
        if (c + 24 <= k) {
            FloatVector w2 = FloatVector.fromMemorySegment(F, seg, base + (long) (c + 16) * 4, LE);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(w2, a2);
            b2 = FloatVector.fromArray(F, xs, xb + c + 16).fma(w2, b2);
        }
        store(c == k, b0, b1, b2, b3, p, pb);
        if (store(c == k, a0, a1, a2, a3, p, pa)) return;
        int r = (k - c) & -8;
        if (c + r + 4 <= k) {
            fma4(xs, xo + c + r, seg, base + (long) (c + r) * 4, p, pa + r);
            fma4(xs, xb + c + r, seg, base + (long) (c + r) * 4, p, pb + r);
            r += 4;
        }
        for (; c + r < k; r++) {
            float w = seg.get(WeightMatrix.F32, base + (long) (c + r) * 4);
            p[pa + r] = Math.fma(xs[xo + c + r], w, p[pa + r]);
            p[pb + r] = Math.fma(xs[xb + c + r], w, p[pb + r]);
        }
    }

    /** p[pa .. pa + 4) = fma(x, w, p) lane by lane (a tail's fmas, as the scalar ones), the weights at byte offset off. */
    private static void fma4(float[] xs, int xo, MemorySegment seg, long off, float[] p, int pa) {
        FloatVector.fromArray(F4, xs, xo).fma(FloatVector.fromMemorySegment(F4, seg, off, LE), FloatVector.fromArray(F4, p, pa))
                .intoArray(p, pa);
    }

    /**
     * One token's partials into p[at ..]: folded by the tree's first two steps into p[at .. at + 8) when the row had no
     * tail (whole: PartialTree.last finishes them), else as they are, for the tail's scalar fmas; returns whole.
     */
    private static boolean store(boolean whole, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3, float[] p,
                                 int at) {
        if (whole) {
            v0.add(v2).add(v1.add(v3)).intoArray(p, at);
            return true;
        }
        v0.intoArray(p, at);
        v1.intoArray(p, at + 8);
        v2.intoArray(p, at + 16);
        v3.intoArray(p, at + 24);
        return false;
    }
}
