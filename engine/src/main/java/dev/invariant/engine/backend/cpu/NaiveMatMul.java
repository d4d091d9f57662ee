package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The NAIVE profile's matmul: what a conventional engine does, with the same work layout as {@link MatMul} (a
 * weight row widened once and shared by up to four tokens, a single token streamed from the segment) and only the
 * reduction order changed. Each dot piece runs two 8-lane accumulators over consecutive k, adds them and reduces
 * the lanes with {@code reduceLanes} (order left to the JIT); the pieces come from a split-K whose count follows the
 * batch size and the thread count, so a token's logits change with the batch it is in. As bf16 serving does, each
 * split's partial sum and each output are rounded to bf16 (round to nearest even): a last-bit difference that crosses
 * a bf16 rounding boundary becomes a 2^-8 relative one, which is how greedy decoding flips at near-ties in
 * conventional engines. Never used for PORTABLE.
 */
public final class NaiveMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private NaiveMatMul() {
    }

    /**
     * Split-K pieces, chosen as split-K GEMM heuristics do from the work at hand: the fewer tokens in the step, the
     * more pieces (up to one per 16 of K), across the whole range of batch sizes a loaded server sees.
     */
    public static int splits(int tokens, int threads, int k) {
        int s = Math.max(1, (threads * 32) / tokens);
        return Math.max(1, Math.min(s, k / 16));
    }

    /** Floats of scratch {@link #rows} needs for rows of length k. */
    public static int scratchSize(int k) {
        return k + 4;
    }

    public static void rows(WeightMatrix w, float[] x, int ldx, int tokens, float[] y, int ldy, int yo,
                            int r0, int r1, int splits, float[] scratch) {
        int k = w.cols();
        boolean bf16 = w.dtype() == DType.BF16;
        MemorySegment seg = w.data();
        long rowBytes = (long) k * w.dtype().bytes();
        int piece = (k + splits - 1) / splits;
        float[] sums = new float[4];
        float[] totals = new float[4];
        for (int row = r0; row < r1; row++) {
            long base = row * rowBytes;
            if (tokens == 1) {
                float total = 0f;
                for (int k0 = 0; k0 < k; k0 += piece) {
                    int k1 = Math.min(k, k0 + piece);
                    total += toBf16(bf16 ? oneBf16(seg, base, x, 0, k0, k1) : oneF32(seg, base, x, 0, k0, k1));
                }
                y[yo + row] = toBf16(total);
                continue;
            }
            if (bf16) {
                WideRows.widenBf16(seg, base, k, scratch, 0);
            } else {
                WideRows.copyF32(seg, base, k, scratch, 0);
            }
            for (int t0 = 0; t0 < tokens; t0 += 4) {
                int n = Math.min(4, tokens - t0);
                java.util.Arrays.fill(totals, 0f);
                for (int k0 = 0; k0 < k; k0 += piece) {
                    int k1 = Math.min(k, k0 + piece);
                    if (n == 4) {
                        four(scratch, x, t0 * ldx, ldx, k0, k1, sums);
                        for (int i = 0; i < 4; i++) totals[i] += toBf16(sums[i]);
                    } else {
                        for (int i = 0; i < n; i++) totals[i] += toBf16(one(scratch, x, (t0 + i) * ldx, k0, k1));
                    }
                }
                for (int i = 0; i < n; i++) y[(t0 + i) * ldy + yo + row] = toBf16(totals[i]);
            }
        }
    }

    /** The float32 nearest {@code v} that a bf16 can hold (ties to even); NaN and infinities unchanged. */
    static float toBf16(float v) {
        int b = Float.floatToRawIntBits(v);
        if ((b & 0x7f800000) == 0x7f800000) return v;
        b += 0x7fff + ((b >>> 16) & 1);
        return Float.intBitsToFloat(b & 0xffff0000);
    }

    /** Four tokens' dot pieces over [k0, k1) against the widened row wr[0 .. k). */
    private static void four(float[] wr, float[] x, int xo, int ldx, int k0, int k1, float[] out) {
        int xb = xo + ldx, xc = xb + ldx, xd = xc + ldx;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
        int i = k0;
        for (; i + 16 <= k1; i += 16) {
            FloatVector w0 = FloatVector.fromArray(F, wr, i);
            FloatVector w1 = FloatVector.fromArray(F, wr, i + 8);
            a0 = FloatVector.fromArray(F, x, xo + i).fma(w0, a0);
            a1 = FloatVector.fromArray(F, x, xo + i + 8).fma(w1, a1);
            b0 = FloatVector.fromArray(F, x, xb + i).fma(w0, b0);
            b1 = FloatVector.fromArray(F, x, xb + i + 8).fma(w1, b1);
            c0 = FloatVector.fromArray(F, x, xc + i).fma(w0, c0);
            c1 = FloatVector.fromArray(F, x, xc + i + 8).fma(w1, c1);
            d0 = FloatVector.fromArray(F, x, xd + i).fma(w0, d0);
            d1 = FloatVector.fromArray(F, x, xd + i + 8).fma(w1, d1);
        }
        out[0] = a0.add(a1).reduceLanes(VectorOperators.ADD) + rest(wr, x, xo, i, k1);
        out[1] = b0.add(b1).reduceLanes(VectorOperators.ADD) + rest(wr, x, xb, i, k1);
        out[2] = c0.add(c1).reduceLanes(VectorOperators.ADD) + rest(wr, x, xc, i, k1);
        out[3] = d0.add(d1).reduceLanes(VectorOperators.ADD) + rest(wr, x, xd, i, k1);
    }

    /** One token's dot piece over [k0, k1) against the widened row. */
    private static float one(float[] wr, float[] x, int xo, int k0, int k1) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = k0;
        for (; i + 16 <= k1; i += 16) {
            a0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromArray(F, wr, i), a0);
            a1 = FloatVector.fromArray(F, x, xo + i + 8).fma(FloatVector.fromArray(F, wr, i + 8), a1);
        }
        return a0.add(a1).reduceLanes(VectorOperators.ADD) + rest(wr, x, xo, i, k1);
    }

    private static float rest(float[] wr, float[] x, int xo, int from, int k1) {
        float s = 0f;
        for (int i = from; i < k1; i++) s += x[xo + i] * wr[i];
        return s;
    }

    /** A single token's dot piece streamed from a bf16 row. */
    private static float oneBf16(MemorySegment seg, long base, float[] x, int xo, int k0, int k1) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = k0;
        for (; i + 16 <= k1; i += 16) {
            FloatVector w0 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) i * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector w1 = ((IntVector) ShortVector.fromMemorySegment(S, seg, base + (long) (i + 8) * 2, LE)
                    .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            a0 = FloatVector.fromArray(F, x, xo + i).fma(w0, a0);
            a1 = FloatVector.fromArray(F, x, xo + i + 8).fma(w1, a1);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < k1; i++) s += x[xo + i] * Bf16.bf16ToFloat(seg.get(WeightMatrix.BF16, base + (long) i * 2));
        return s;
    }

    /** A single token's dot piece streamed from an f32 row. */
    private static float oneF32(MemorySegment seg, long base, float[] x, int xo, int k0, int k1) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        int i = k0;
        for (; i + 16 <= k1; i += 16) {
            a0 = FloatVector.fromArray(F, x, xo + i).fma(FloatVector.fromMemorySegment(F, seg, base + (long) i * 4, LE), a0);
            a1 = FloatVector.fromArray(F, x, xo + i + 8).fma(FloatVector.fromMemorySegment(F, seg, base + (long) (i + 8) * 4, LE), a1);
        }
        float s = a0.add(a1).reduceLanes(VectorOperators.ADD);
        for (; i < k1; i++) s += x[xo + i] * seg.get(WeightMatrix.F32, base + (long) i * 4);
        return s;
    }
}
