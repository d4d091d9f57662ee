package dev.invariant.engine.numerics;

import dev.invariant.engine.model.DType;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The NAIVE profile's matmul: what a conventional engine does. One vector accumulator reduced with
 * {@code reduceLanes} (order left to the JIT), and a split-K whose number of pieces follows the batch
 * size and the thread count, so a token's logits change with the batch it is in. Never used for PORTABLE.
 */
public final class NaiveMatMul {
    private NaiveMatMul() {
    }

    /** Split-K pieces: small batches split K across the threads (as split-K GEMMs do), large ones do not. */
    public static int splits(int tokens, int threads, int k) {
        int s = Math.max(1, (threads * 4) / tokens);
        return Math.max(1, Math.min(s, k / 16));
    }

    public static void rows(WeightMatrix w, float[] x, int ldx, int tokens, float[] y, int ldy, int yo,
                            int r0, int r1, int splits) {
        int k = w.cols();
        boolean bf16 = w.dtype() == DType.BF16;
        MemorySegment seg = w.data();
        int esize = w.dtype().bytes();
        int piece = (k + splits - 1) / splits;
        for (int row = r0; row < r1; row++) {
            long base = (long) row * k * esize;
            for (int t = 0; t < tokens; t++) {
                float total = 0f;
                for (int k0 = 0; k0 < k; k0 += piece) {
                    int k1 = Math.min(k, k0 + piece);
                    FloatVector acc = FloatVector.zero(FloatVector.SPECIES_256);
                    int i = k0;
                    for (; i + 8 <= k1; i += 8) {
                        FloatVector wv = bf16 ? MatMul.loadBf16(seg, base + (long) i * 2) : MatMul.loadF32(seg, base + (long) i * 4);
                        acc = FloatVector.fromArray(FloatVector.SPECIES_256, x, t * ldx + i).fma(wv, acc);
                    }
                    float part = acc.reduceLanes(VectorOperators.ADD);
                    for (; i < k1; i++) part += x[t * ldx + i] * w.get(row, i);
                    total += part;
                }
                y[t * ldy + yo + row] = total;
            }
        }
    }
}
