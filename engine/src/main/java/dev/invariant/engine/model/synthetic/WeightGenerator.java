package dev.invariant.engine.model.synthetic;

import dev.invariant.engine.model.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.stream.LongStream;

/**
 * The counter-based generator of synthetic weights (docs/weights-digest.md, "Synthetic weights").
 * Element {@code i} of a tensor depends only on (preset, tensor name, i), so any slice can be produced
 * on its own, in any order, on any machine, with the same bits:
 * <ol>
 *   <li>{@code seed} = the first 8 bytes, little-endian, of SHA-256(UTF-8 of
 *       {@code "invariant-synthetic-v1\0" + preset + "\0" + tensorName});</li>
 *   <li>{@code h} = SplitMix64 output for counter i: {@code z = seed + (i + 1) * 0x9E3779B97F4A7C15},
 *       {@code z = (z ^ z>>>30) * 0xBF58476D1CE4E5B9}, {@code z = (z ^ z>>>27) * 0x94D049BB133111EB},
 *       {@code h = z ^ z>>>31} (64-bit wrapping arithmetic);</li>
 *   <li>{@code c} = sum of the four 16-bit fields of h, minus 131070 (an integer, near-normal, std 65536/√3);</li>
 *   <li>value = {@code (float) c * scale} in float32, with {@code scale = (float) (std * sqrt(3) / 65536)}
 *       and std = 0.02; RMSNorm weights are exactly 1.0;</li>
 *   <li>bf16 tensors hold that float32 rounded to nearest-even bf16.</li>
 * </ol>
 */
public final class WeightGenerator {
    /** Names this generator; a changed generator gets a new name (and new digest cache entries). */
    public static final String VERSION = "invariant-synthetic-v1";
    /** Standard deviation of every non-norm weight. */
    public static final double STD = 0.02;
    private static final float SCALE = (float) (STD * Math.sqrt(3.0) / 65536.0);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** Elements per parallel task: large enough to amortise scheduling, small enough to balance. */
    private static final long BLOCK = 1 << 16;
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private WeightGenerator() {
    }

    /** The per-tensor seed of step 1. */
    public static long seed(String preset, String tensorName) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(
                    (VERSION + "\0" + preset + "\0" + tensorName).getBytes(StandardCharsets.UTF_8));
            long s = 0;
            for (int b = 7; b >= 0; b--) s = (s << 8) | (d[b] & 0xFF);
            return s;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** Step 2: the SplitMix64 output h for counter i (also the source of synthetic GPTQ values). */
    public static long hash(long seed, long i) {
        long z = seed + (i + 1) * GOLDEN;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The float32 value of element {@code i} of a non-norm tensor with this seed. */
    public static float value(long seed, long i) {
        long h = hash(seed, i);
        int c = (int) ((h & 0xFFFF) + ((h >>> 16) & 0xFFFF) + ((h >>> 32) & 0xFFFF) + (h >>> 48)) - 131070;
        return (float) c * SCALE;
    }

    /** Round-to-nearest-even float32 → bf16 bits (the values here are always finite). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * Writes elements {@code first .. first + count - 1} of a tensor into {@code dst} (little-endian,
     * starting at byte 0), in parallel blocks; the bits do not depend on how the work is split.
     */
    public static void fill(long seed, boolean norm, DType dtype, long first, long count, MemorySegment dst) {
        if (dst.byteSize() < count * dtype.bytes()) {
            throw new IllegalArgumentException("destination holds " + dst.byteSize() + " bytes, need " + count * dtype.bytes());
        }
        long blocks = (count + BLOCK - 1) / BLOCK;
        LongStream.range(0, blocks).parallel().forEach(b -> {
            long from = b * BLOCK, to = Math.min(count, from + BLOCK);
            switch (dtype) {
                case F32 -> {
                    for (long j = from; j < to; j++) dst.setAtIndex(F32, j, norm ? 1.0f : value(seed, first + j));
                }
                case BF16 -> {
                    for (long j = from; j < to; j++) dst.setAtIndex(BF16, j, toBf16(norm ? 1.0f : value(seed, first + j)));
                }
                case F16 -> {
                    for (long j = from; j < to; j++) {
                        dst.setAtIndex(BF16, j, Float.floatToFloat16(norm ? 1.0f : value(seed, first + j)));
                    }
                }
                case I32 -> throw new IllegalArgumentException("integer tensors come from GptqGenerator");
            }
        });
    }
}
