package dev.invariant.engine.numerics;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.gptq.GptqLayout;
import dev.invariant.engine.model.gptq.GptqLinear;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A GPTQ layer as the kernels read it: still quantised (int8: a byte per weight, int4: half a byte), never
 * dequantised as a whole, but moved once at load from AutoGPTQ's layout (packed along the input, words of one input
 * row side by side across outputs) into one run of bytes per output, so that a dot streams its row front to back as
 * the dense kernels do. Row n of this matrix is output n:
 * <ul>
 *   <li>int8: byte {@code n * rowBytes + k} holds {@code q - 128} (signed, so widening needs no mask);</li>
 *   <li>int4: inputs in blocks of 16; byte {@code n * rowBytes + 8 * (k / 16) + k % 8} holds input k in its low
 *       nibble when {@code k % 16 < 8}, in its high nibble otherwise (one 8-byte load gives 16 inputs);</li>
 * </ul>
 * and the per-group tables are widened once, [out][groups]: {@code scales} exactly to binary32 and {@code negZs} =
 * {@code -((float) (z - OFFSET) * s)} ({@link #offset}). Then {@code w[n][k] = fma((float) (q - OFFSET), s, negZs)}:
 * both products are exact (at most 9 + 11 significant bits) and so is their sum, the exact {@code (q - z) * s}, +0 when
 * q = z: the contract's value (docs/numerics.md, "GPTQ weights") in one fma.
 */
public record GptqMatrix(String name, MemorySegment packed, int bits, int rows, int cols, int rowBytes, int groups,
                         int[] gIdx, float[] negZs, float[] scales, boolean uniformChunks) implements Matrix {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    /** Moves the layer's qweight into per-output rows in {@code arena} (streamed: a generated qweight is not kept). */
    public static GptqMatrix of(GptqLinear l, Arena arena) {
        int out = l.out(), in = l.in(), groups = l.config().groups(in), bits = l.config().bits();
        int rowBytes = bits == 8 ? in : (in + 15) / 16 * 8;
        int off = offset(bits);
        float[] z = new float[Math.multiplyExact(groups, out)];
        float[] s = new float[z.length];
        for (int g = 0; g < groups; g++) {
            for (int n = 0; n < out; n++) {
                float sc = GptqLayout.scale(l, g, n);
                z[n * groups + g] = -((float) (GptqLayout.zero(l, g, n) - off) * sc);
                s[n * groups + g] = sc;
            }
        }
        int[] gi = new int[in];
        boolean uniform = true;
        for (int k = 0; k < in; k++) {
            int g = GptqLayout.group(l, k);
            if (g < 0 || g >= groups) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "GPTQ tensor " + l.name() + ".g_idx[" + k + "] = " + g
                        + " is outside its " + groups + " groups");
            }
            gi[k] = g;
            if (k % Dot.PARTIALS != 0 && g != gi[k - 1]) uniform = false;
        }
        MemorySegment packed = arena.allocate((long) out * rowBytes, 64);
        repack(l, packed, rowBytes);
        return new GptqMatrix(l.name(), packed, bits, out, in, rowBytes, groups, gi, z, s, uniform);
    }

    /** What the stored int8 value is shifted by (int4 nibbles are stored as they are). */
    static int offset(int bits) {
        return bits == 8 ? 128 : 0;
    }

    private static void repack(GptqLinear l, MemorySegment dst, int rowBytes) {
        int out = l.out(), bits = l.config().bits(), pack = l.config().pack(), mask = (1 << bits) - 1;
        long[] word = {0};
        l.qweight().feed(piece -> {
            long words = piece.byteSize() / 4;
            for (long j = 0; j < words; j++, word[0]++) {
                int v = piece.getAtIndex(I32, j);
                long i = word[0] / out;
                int n = (int) (word[0] % out);
                long row = (long) n * rowBytes;
                for (int p = 0; p < pack; p++) {
                    int k = (int) i * pack + p, q = (v >>> (bits * p)) & mask;
                    if (bits == 8) {
                        dst.set(ValueLayout.JAVA_BYTE, row + k, (byte) (q - 128));
                    } else {
                        long at = row + 8L * (k / 16) + k % 8;
                        byte b = dst.get(ValueLayout.JAVA_BYTE, at);
                        dst.set(ValueLayout.JAVA_BYTE, at, (byte) (k % 16 < 8 ? (b & 0xF0) | q : (b & 0x0F) | (q << 4)));
                    }
                }
            }
        });
    }

    /** The stored value of input k for output n, shifted back: 0 .. 2^bits - 1. */
    public int q(int n, int k) {
        long row = (long) n * rowBytes;
        if (bits == 8) return packed.get(ValueLayout.JAVA_BYTE, row + k) + 128;
        int b = packed.get(ValueLayout.JAVA_BYTE, row + 8L * (k / 16) + k % 8);
        return k % 16 < 8 ? b & 0xF : (b >> 4) & 0xF;
    }

    /** w[n][k], exactly as the contract defines it. */
    public float get(int n, int k) {
        int t = n * groups + gIdx[k];
        return Math.fma((float) (q(n, k) - offset(bits)), scales[t], negZs[t]);
    }

    /** Row n (output n's weights over all inputs) into out[off ..]. */
    public void row(int n, float[] out, int off) {
        for (int k = 0; k < cols; k++) out[off + k] = get(n, k);
    }
}
