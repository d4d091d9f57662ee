package dev.invariant.engine.model.gptq;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.numerics.Bf16;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The AutoGPTQ packing rules and the contract's dequantisation (docs/numerics.md, "GPTQ weights"), written plainly:
 * the reference the fast kernels, the synthetic generator and the tests are checked against. With
 * {@code pack = 32 / bits} and {@code mask = 2^bits - 1}:
 * <ul>
 *   <li>{@code q[k][n] = (qweight[k / pack][n] >>> (bits * (k % pack))) & mask} (packed along the input);</li>
 *   <li>{@code stored[g][n] = (qzeros[g][n / pack] >>> (bits * (n % pack))) & mask} (packed along the output), and the
 *       zero {@code z = stored + 1} in AutoGPTQ's v1 format, {@code z = stored} in gptq_v2;</li>
 *   <li>{@code g = g_idx[k]} (or {@code k / group_size}, 0 when group_size is -1), {@code s = scales[g][n]} widened
 *       exactly to binary32;</li>
 *   <li>{@code w[n][k] = (float) (q - z) * s + 0}: the exact product (an integer of at most 9 bits times a scale of
 *       at most 11 significant bits fits binary32), a zero weight being +0.</li>
 * </ul>
 */
public final class GptqLayout {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GptqLayout() {
    }

    /** Element i of an I32 tensor's bytes. */
    public static int int32(MemorySegment seg, long i) {
        return seg.getAtIndex(I32, i);
    }

    /** The quantised value of input k, output n. */
    public static int q(GptqLinear l, int k, int n) {
        int bits = l.config().bits(), pack = l.config().pack();
        int word = int32(l.qweight().data(), (long) (k / pack) * l.out() + n);
        return (word >>> (bits * (k % pack))) & ((1 << bits) - 1);
    }

    /** The zero point of group g, output n (v1: the stored value + 1). */
    public static int zero(GptqLinear l, int g, int n) {
        int bits = l.config().bits(), pack = l.config().pack();
        int word = int32(l.qzeros().data(), (long) g * (l.out() / pack) + n / pack);
        int stored = (word >>> (bits * (n % pack))) & ((1 << bits) - 1);
        return l.config().v2() ? stored : stored + 1;
    }

    /** The group of input k. */
    public static int group(GptqLinear l, int k) {
        if (l.gIdx() != null) return int32(l.gIdx().data(), k);
        return l.config().groupSize() == -1 ? 0 : k / l.config().groupSize();
    }

    /** The scale of group g, output n, widened exactly to binary32. */
    public static float scale(GptqLinear l, int g, int n) {
        return element(l.scales(), (long) g * l.out() + n);
    }

    /** w[n][k] by the contract's one operation. */
    public static float weight(GptqLinear l, int k, int n) {
        int g = group(l, k);
        return dequant(q(l, k, n), zero(l, g, n), scale(l, g, n));
    }

    /** {@code (float) (q - z) * s + 0}: exact for f16 and bf16 scales; adding +0 makes a zero weight +0 whatever s's sign. */
    public static float dequant(int q, int z, float s) {
        return (float) (q - z) * s + 0.0f;
    }

    /** Element i of a float tensor (F16, BF16 or F32), exactly. */
    public static float element(Tensor t, long i) {
        MemorySegment seg = t.data();
        return switch (t.dtype()) {
            case F16 -> Bf16.f16ToFloat(seg.getAtIndex(U16, i));
            case BF16 -> Bf16.bf16ToFloat(seg.getAtIndex(U16, i));
            case F32 -> seg.getAtIndex(F32, i);
            case I32 -> throw new IllegalArgumentException(t.name() + " holds integers, not floats");
        };
    }

    /** Packs values v[j] (each in 0..mask) into one word, v[0] in the lowest bits: the rule of qweight and qzeros. */
    public static int packWord(int bits, int... v) {
        int w = 0;
        for (int j = 0; j < v.length; j++) w |= (v[j] & ((1 << bits) - 1)) << (bits * j);
        return w;
    }
}
