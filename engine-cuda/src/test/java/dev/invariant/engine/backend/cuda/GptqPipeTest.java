package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launch of kernels/gptq_pipe.cu (no GPU needed): the shape written again in {@link GptqPipe} is the kernel
 * source's, its shared memory is the lane-major input row plus each warp's ring, the seed report's shapes fit the
 * H200's shared memory, it takes only the rows it can read whole (int8 with its (S, N) table); and the subnormal
 * dequantisation it runs (kernels/gptq.cuh, DZ) gives, in IEEE arithmetic, exactly the products of numerics.md §14.
 */
class GptqPipeTest {
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_pipe.cu");  // from the module's directory
    private static final int H200_SMEM = 232_448 - 1024;

    @Test
    void shapeIsTheKernelSources() throws IOException {
        Map<String, String> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define GPIPE(_R|_WARPS|8_D|4_D) (\\w+)$").matcher(Files.readString(SOURCE));
        while (m.find()) defs.put(m.group(1), m.group(2));
        assertEquals(Map.of("_R", String.valueOf(GptqPipe.ROWS), "_WARPS", String.valueOf(GptqPipe.WARPS),
                "8_D", String.valueOf(GptqPipe.D8), "4_D", String.valueOf(GptqPipe.D4)), defs);
        assertEquals("gptq_pipe_int4_g128_norm", GptqPipe.name(4, "_norm"));
        assertTrue(Files.readString(SOURCE).contains("GPIPE_FUSED(gptq_pipe_int8_g128, 8, GPIPE8_D, true)"));
        assertTrue(Files.readString(SOURCE).contains("GPIPE_FUSED(gptq_pipe_int4_g128, 4, GPIPE4_D, false)"));
    }

    @Test
    void sharedMemoryOfTheSeedReportsShapes() {
        int w = GptqPipe.WARPS;
        int r = GptqPipe.rows(false);
        // Qwen1.5-14B down: 428 chunks (a multiple of 4); a slot row is a word and its 4 (int8) or 8 (int4) entries
        assertEquals(4 * 428 * 32 + w * GptqPipe.D8 * r * (512 + 32), GptqPipe.smem(8, 13696, false, false));
        assertEquals(4 * 428 * 32 + w * GptqPipe.D4 * r * (512 + 64), GptqPipe.smem(4, 13696, false, false));
        // gate/up with the norm: the input row and its weights; SILU's pairs take 2 rows at least
        int rs = GptqPipe.rows(true);
        assertTrue(rs >= 2 && rs % 2 == 0);
        assertEquals(2 * 4 * 5120 + w * GptqPipe.D8 * rs * 544, GptqPipe.smem(8, 5120, true, true));
        // a row of chunks not a multiple of 4 is rounded up to whole 16-byte x loads
        assertEquals(4 * 96 * 32 + w * GptqPipe.D8 * r * 544, GptqPipe.smem(8, 93 * 32, false, false));
        for (int bits : new int[] {8, 4}) {
            assertTrue(GptqPipe.smem(bits, 5120, true, true) <= H200_SMEM);
            assertTrue(GptqPipe.smem(bits, 13696, false, false) <= H200_SMEM);
        }
    }

    @Test
    void takesWholeWordsOfGroup128() {
        assertTrue(GptqPipe.takes(8, 128, 5120, true));
        assertFalse(GptqPipe.takes(8, 128, 5120, false), "int8 without its (S, N) table");
        assertTrue(GptqPipe.takes(4, 128, 5120, false));
        assertFalse(GptqPipe.takes(8, 128, 480, true), "no whole word per lane");
        assertFalse(GptqPipe.takes(4, 128, 512, false), "an int4 word holds 32 chunks");
        assertFalse(GptqPipe.takes(8, 128, 5120 + 16, true), "a tail after the chunks");
        assertFalse(GptqPipe.takes(8, 64, 5120, true));
        assertFalse(GptqPipe.takes(8, 0, 5120, true), "act-order");
    }

    @Test
    void variantLoadsItByName() {
        assertFalse(GptqPipe.loads(GptqDirect.DEFAULT_VARIANT, 8));
        assertTrue(GptqDecode.loads(GptqDirect.DEFAULT_VARIANT, 8));
        assertTrue(GptqPipe.loads("pipe", 8));
        assertTrue(GptqPipe.loads("pipe", 4));
        assertFalse(GptqPipe.loads("decode", 8));
        assertFalse(GptqPipe.loads("stream", 8));
        assertFalse(GptqDecode.loads("pipe", 8));
        assertFalse(GptqDirect.loads("pipe", 8));
        assertThrows(IllegalArgumentException.class, () -> GptqPipe.loads("registers", 8));
    }

    @Test
    void tableInSubnormalFormOnlyForInt8WithHalfRangeScales() {
        float[] ok = {0x1.ffcp15f, -0x1.ffcp15f * -127, 0x1p-24f, 0f, -0x1.8p-3f, 0.75f, 0f, 0f};
        GptqRows int8 = new GptqRows(8, 4, 32, 32, 1, 128, new byte[128], ok, new int[32], null);
        assertTrue(int8.halfRangeScales());
        float[] z = int8.tabz();
        for (int i = 0; i < ok.length; i += 2) {
            assertEquals(ok[i] * 0x1p111f, z[i]);
            assertEquals(Math.fma(-128f, ok[i], ok[i + 1]) * 0x1p-38f, z[i + 1]);
        }
        assertNull(new GptqRows(4, 4, 32, 16, 1, 128, new byte[64], ok, new int[32], null).tabz(), "int4");
        for (float s : new float[] {0x1p16f, 0x1p-25f, Float.NaN, Float.POSITIVE_INFINITY, -0x1p17f}) {
            GptqRows r = new GptqRows(8, 2, 32, 32, 1, 128, new byte[64], new float[] {1f, 0f, s, 0f}, new int[32], null);
            assertFalse(r.halfRangeScales(), "scale " + s);
            assertNull(r.tabz(), "scale " + s);
        }
    }

    /**
     * The kernel's arithmetic in IEEE binary32, the same operations: the byte moved to bits 0..7 of a zero word is
     * q * 2^-149; fma(F, S, N) is the exact (q - z) * s * 2^-38 the CPU's fma((float) (q - 128), s, nz) gives
     * scaled; and an input scaled by 2^38 makes every fma of the dot give the CPU's bits. Every q and z, scales at
     * binary16's ends and at random, inputs and partials at random.
     */
    @Test
    void subnormalDequantisationIsExact() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] scales = new float[64];
        scales[0] = 0x1p-24f;  // binary16's least subnormal
        scales[1] = 65504f;  // its largest finite
        scales[2] = -0x1.ffcp-15f;
        for (int i = 3; i < scales.length; i++) {  // binary16 values of every exponent
            int bits = (rnd.nextInt(2) << 15) | (rnd.nextInt(1, 31) << 10) | rnd.nextInt(1024);
            scales[i] = Float.float16ToFloat((short) bits);
        }
        for (float s : scales) {
            for (int zero = 1; zero <= 256; zero++) {
                float nz = -((float) (zero - 128) * s);
                float S = s * 0x1p111f, N = Math.fma(-128f, s, nz) * 0x1p-38f;
                for (int q = 0; q < 256; q++) {
                    final int zq = zero, qq = q;
                    float w = Math.fma((float) (q - 128), s, nz);  // the CPU's weight
                    float wz = Math.fma(Float.intBitsToFloat(q), S, N);
                    assertEquals(Float.floatToRawIntBits(w * 0x1p-38f), Float.floatToRawIntBits(wz),
                            () -> "s " + s + " z " + zq + " q " + qq);
                    if ((q & 31) == 0) {
                        float x = (float) rnd.nextGaussian() * 8f, acc = (float) rnd.nextGaussian();
                        assertEquals(Float.floatToRawIntBits(Math.fma(x, w, acc)),
                                Float.floatToRawIntBits(Math.fma(x * 0x1p38f, wz, acc)));
                    }
                }
            }
        }
    }
}
