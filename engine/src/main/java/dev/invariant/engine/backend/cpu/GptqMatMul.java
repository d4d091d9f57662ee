package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.PartialTree;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Canonical matmul over GPTQ weights kept quantised ({@link GptqMatrix}; docs/numerics.md, "GPTQ weights"): every
 * output is one canonical dot ({@link Dot}) of a token row with the dequantised weight row, so its bits equal those of
 * a dense matmul over the dequantised matrix. As in {@link MatMul}, the 32 partials of a token are four 8-lane
 * registers and a row is swept once, front to back; each 8 weights are widened from their bytes (or nibbles) and
 * dequantised in registers, {@code fma((float) q', scale, -(zero' * scale))} (exact: {@link GptqMatrix}), just before
 * their fma. One token streams its row
 * from the packed bytes ({@link #oneInt8}, {@link #oneInt4}); two or more share one dequantised copy of the row in
 * scratch ({@link WideRows#two}), as the dense kernels share a widened bf16 row. Act-order checkpoints, whose 32-input
 * chunks mix groups, always take the copy (their scales and zeros are gathered per lane).
 */
public final class GptqMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_64;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int W = Dot.PARTIALS;
    /** Where the dequantised row lives in scratch: after the partials of two tokens. */
    private static final int ROW = 2 * W;

    private GptqMatMul() {
    }

    /** Floats of scratch {@link #rows} needs for rows of length {@code k}. */
    public static int scratchSize(int tokens, int k) {
        return ROW + k;
    }

    /** For outputs [r0, r1) and tokens t < tokens: y[t * ldy + yo + n] = dot(x[t * ldx ..], w row n). */
    public static void rows(GptqMatrix w, float[] x, int ldx, int tokens, float[] y, int ldy, int yo,
                            int r0, int r1, float[] s) {
        int k = w.cols();
        for (int n = r0; n < r1; n++) {
            if (Dot.width(k) != W) {
                w.row(n, s, ROW);
                for (int t = 0; t < tokens; t++) y[t * ldy + yo + n] = Dot.reference(x, t * ldx, s, ROW, k);
                continue;
            }
            if (tokens == 1 && w.uniformChunks()) {
                if (w.bits() == 8) {
                    oneInt8(w, n, x, 0, s);
                } else {
                    oneInt4(w, n, x, 0, s);
                }
                y[yo + n] = PartialTree.reduce(s, 0);
                continue;
            }
            dequantRow(w, n, s, ROW);
            int t = 0;
            for (; t + 2 <= tokens; t += 2) {
                WideRows.two(s, ROW, x, t * ldx, ldx, k, s, 0, Dot.PARTIALS);
                y[t * ldy + yo + n] = WideRows.finish(s, 0, k);
                y[(t + 1) * ldy + yo + n] = WideRows.finish(s, Dot.PARTIALS, k);
            }
            if (t < tokens) y[t * ldy + yo + n] = Dot.dot(x, t * ldx, s, ROW, k, s);
        }
    }

    /** Eight stored bytes at {@code at}, widened to the floats {@code q - offset}. */
    private static FloatVector bytes(MemorySegment seg, long at) {
        return (FloatVector) ByteVector.fromMemorySegment(B, seg, at, LE).convertShape(VectorOperators.B2I, I, 0)
                .convert(VectorOperators.I2F, 0);
    }

    /** Partials of one token against int8 row n (32-input chunks of one group each), into p[0..32). */
    static void oneInt8(GptqMatrix w, int n, float[] xs, int xo, float[] p) {
        MemorySegment seg = w.packed();
        long base = (long) n * w.rowBytes();
        int k = w.cols(), zt = n * w.groups();
        int[] gIdx = w.gIdx();
        float[] zeros = w.negZs(), scales = w.scales();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
            int t = zt + gIdx[c];
            FloatVector z = FloatVector.broadcast(F, zeros[t]), sc = FloatVector.broadcast(F, scales[t]);
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(bytes(seg, base + c).fma(sc, z), a0);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(bytes(seg, base + c + 8).fma(sc, z), a1);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(bytes(seg, base + c + 16).fma(sc, z), a2);
            a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(bytes(seg, base + c + 24).fma(sc, z), a3);
        }
        store(a0, a1, a2, a3, p);
        for (int r = 0; c + r < k; r++) p[r] = Math.fma(xs[xo + c + r], w.get(n, c + r), p[r]);
    }

    /** Partials of one token against int4 row n: each 8-byte load holds 16 inputs, low nibbles then high. */
    static void oneInt4(GptqMatrix w, int n, float[] xs, int xo, float[] p) {
        MemorySegment seg = w.packed();
        long base = (long) n * w.rowBytes();
        int k = w.cols(), zt = n * w.groups();
        int[] gIdx = w.gIdx();
        float[] zeros = w.negZs(), scales = w.scales();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + W <= k; c += W) {
            int t = zt + gIdx[c];
            FloatVector z = FloatVector.broadcast(F, zeros[t]), sc = FloatVector.broadcast(F, scales[t]);
            IntVector v0 = (IntVector) ByteVector.fromMemorySegment(B, seg, base + c / 2, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector v1 = (IntVector) ByteVector.fromMemorySegment(B, seg, base + c / 2 + 8, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = FloatVector.fromArray(F, xs, xo + c).fma(lo(v0).fma(sc, z), a0);
            a1 = FloatVector.fromArray(F, xs, xo + c + 8).fma(hi(v0).fma(sc, z), a1);
            a2 = FloatVector.fromArray(F, xs, xo + c + 16).fma(lo(v1).fma(sc, z), a2);
            a3 = FloatVector.fromArray(F, xs, xo + c + 24).fma(hi(v1).fma(sc, z), a3);
        }
        store(a0, a1, a2, a3, p);
        for (int r = 0; c + r < k; r++) p[r] = Math.fma(xs[xo + c + r], w.get(n, c + r), p[r]);
    }

    private static FloatVector lo(IntVector v) {
        return (FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0);
    }

    private static FloatVector hi(IntVector v) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, 4).and(0xF).convert(VectorOperators.I2F, 0);
    }

    private static void store(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] p) {
        a0.intoArray(p, 0);
        a1.intoArray(p, 8);
        a2.intoArray(p, 16);
        a3.intoArray(p, 24);
    }

    /** Row n dequantised into dst[off .. off + k): the contract's values, 8 at a time; act-order gathers per lane. */
    static void dequantRow(GptqMatrix w, int n, float[] dst, int off) {
        MemorySegment seg = w.packed();
        long base = (long) n * w.rowBytes();
        int k = w.cols(), zt = n * w.groups(), step = w.bits() == 8 ? 8 : 16;
        int[] gIdx = w.gIdx();
        float[] zeros = w.negZs(), scales = w.scales();
        int c = 0;
        if (w.uniformChunks()) {
            for (; c + step <= k; c += step) {
                int t = zt + gIdx[c];
                FloatVector z = FloatVector.broadcast(F, zeros[t]), sc = FloatVector.broadcast(F, scales[t]);
                if (step == 8) {
                    bytes(seg, base + c).fma(sc, z).intoArray(dst, off + c);
                } else {
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(B, seg, base + c / 2, LE).convertShape(VectorOperators.B2I, I, 0);
                    lo(v).fma(sc, z).intoArray(dst, off + c);
                    hi(v).fma(sc, z).intoArray(dst, off + c + 8);
                }
            }
        } else {
            for (; c + step <= k; c += step) {
                if (step == 8) {
                    bytes(seg, base + c).fma(FloatVector.fromArray(F, scales, zt, gIdx, c),
                            FloatVector.fromArray(F, zeros, zt, gIdx, c)).intoArray(dst, off + c);
                } else {
                    IntVector v = (IntVector) ByteVector.fromMemorySegment(B, seg, base + c / 2, LE).convertShape(VectorOperators.B2I, I, 0);
                    lo(v).fma(FloatVector.fromArray(F, scales, zt, gIdx, c),
                            FloatVector.fromArray(F, zeros, zt, gIdx, c)).intoArray(dst, off + c);
                    hi(v).fma(FloatVector.fromArray(F, scales, zt, gIdx, c + 8),
                            FloatVector.fromArray(F, zeros, zt, gIdx, c + 8)).intoArray(dst, off + c + 8);
                }
            }
        }
        for (; c < k; c++) dst[off + c] = w.get(n, c);
    }
}
