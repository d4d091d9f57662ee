package dev.invariant.engine.model.synthetic;

import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.model.gptq.GptqLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.LongStream;

/**
 * Seeded GPTQ tensors in the AutoGPTQ layout (docs/weights-digest.md, "Synthetic weights"). With {@code h(i)} the
 * {@link WeightGenerator#hash} of the tensor's own seed, a layer of K inputs and N outputs, b bits:
 * <ul>
 *   <li>{@code q[k][n]} = the top b bits of {@code h(k * N + n)} of the qweight tensor, packed along k;</li>
 *   <li>zero {@code z[g][n]} = 2^(b-1) when sym, else 2^(b-2) + the top b-1 bits of {@code h(g * N + n)} of qzeros;
 *       stored as z - 1 (v1) or z (v2), packed along n;</li>
 *   <li>scale {@code s[g][n]} = f16 of {@code base * (0.5 + u)}, u = top 53 bits of {@code h(g * N + n)} / 2^53,
 *       base = 0.02 * sqrt(12) / 2^b (so weights have about the dense generator's std);</li>
 *   <li>{@code g_idx[k]} = k / group_size, or with desc_act {@code perm[k] / group_size} where perm is the
 *       Fisher–Yates shuffle of 0..K-1 drawing {@code h(i) mod (i + 1)} for i = K-1 .. 1; 0 when group_size is -1.</li>
 * </ul>
 * Every element depends only on (preset, tensor name, index), so tensors stream in pieces like dense ones.
 */
final class GptqGenerator {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GptqGenerator() {
    }

    /** Elements per parallel task, as {@link WeightGenerator}'s. */
    private static final long BLOCK = 1 << 16;

    /** Elements first .. first + count - 1 of entry {@code e} into dst (little-endian, from byte 0), in parallel blocks. */
    static void fill(TensorLayout.Entry e, GptqConfig g, long seed, long first, long count, MemorySegment dst) {
        if (e.kind() == TensorLayout.Kind.G_IDX) {
            block(e, g, seed, first, count, dst);
            return;
        }
        LongStream.range(0, (count + BLOCK - 1) / BLOCK).parallel().forEach(b -> {
            long from = b * BLOCK, n = Math.min(BLOCK, count - from);
            block(e, g, seed, first + from, n, dst.asSlice(from * 4 / (e.kind() == TensorLayout.Kind.SCALES ? 2 : 1)));
        });
    }

    private static void block(TensorLayout.Entry e, GptqConfig g, long seed, long first, long count, MemorySegment dst) {
        int bits = g.bits(), pack = g.pack();
        switch (e.kind()) {
            case QWEIGHT -> {
                long n = e.shape()[1];
                int[] v = new int[pack];
                for (long w = first; w < first + count; w++) {
                    long i = w / n, col = w % n;
                    for (int j = 0; j < pack; j++) v[j] = top(WeightGenerator.hash(seed, (i * pack + j) * n + col), bits);
                    dst.setAtIndex(I32, w - first, GptqLayout.packWord(bits, v));
                }
            }
            case QZEROS -> {
                long words = e.shape()[1], n = words * pack;
                int[] v = new int[pack];
                for (long w = first; w < first + count; w++) {
                    long grp = w / words, m = w % words;
                    for (int j = 0; j < pack; j++) {
                        int z = g.sym() ? 1 << (bits - 1)
                                : (1 << (bits - 2)) + top(WeightGenerator.hash(seed, grp * n + m * pack + j), bits - 1);
                        v[j] = g.v2() ? z : z - 1;
                    }
                    dst.setAtIndex(I32, w - first, GptqLayout.packWord(bits, v));
                }
            }
            case SCALES -> {
                double base = WeightGenerator.STD * Math.sqrt(12.0) / (1 << bits);
                for (long i = first; i < first + count; i++) {
                    double u = (WeightGenerator.hash(seed, i) >>> 11) * 0x1.0p-53;
                    dst.setAtIndex(U16, i - first, Float.floatToFloat16((float) (base * (0.5 + u))));
                }
            }
            case G_IDX -> {
                int k = Math.toIntExact(e.shape()[0]);
                int[] perm = g.descAct() ? permutation(seed, k) : null;
                for (long i = first; i < first + count; i++) {
                    int src = perm == null ? (int) i : perm[(int) i];
                    dst.setAtIndex(I32, i - first, g.groupSize() == -1 ? 0 : src / g.groupSize());
                }
            }
            case DENSE, NORM -> throw new IllegalArgumentException(e.name() + " is not a GPTQ tensor");
        }
    }

    private static int top(long h, int bits) {
        return (int) (h >>> (64 - bits));
    }

    private static int[] permutation(long seed, int k) {
        int[] p = new int[k];
        for (int i = 0; i < k; i++) p[i] = i;
        for (int i = k - 1; i >= 1; i--) {
            int j = (int) Long.remainderUnsigned(WeightGenerator.hash(seed, i), i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
