package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launch of kernels/gptq_ring.cu (no GPU needed): the shape written again in {@link GptqRing} is the kernel
 * source's, its shared memory is the lane-major input row plus each warp's ring of slots, the seed report's shapes fit
 * the H200's shared memory, and it takes only the rows it can read whole with scales in binary16's range.
 */
class GptqRingTest {
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_ring.cu");  // from the module's directory
    private static final int H200_SMEM = 232_448 - 1024;

    @Test
    void shapeIsTheKernelSources() throws IOException {
        Map<String, String> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define GRING(_R|_WARPS|_SLOTS|8_SEGG|4_SEGG) (\\w+)$")
                .matcher(Files.readString(SOURCE));
        while (m.find()) defs.put(m.group(1), m.group(2));
        assertEquals(Map.of("_R", String.valueOf(GptqRing.ROWS), "_WARPS", String.valueOf(GptqRing.WARPS),
                "_SLOTS", String.valueOf(GptqRing.SLOTS), "8_SEGG", String.valueOf(GptqRing.SEGG8),
                "4_SEGG", String.valueOf(GptqRing.SEGG4)), defs);
        assertEquals("gptq_ring_int4_g128_norm", GptqRing.name(4, "_norm"));
        assertTrue(Files.readString(SOURCE).contains("GRING_FUSED(gptq_ring_int8_g128, 8,"));
        assertTrue(Files.readString(SOURCE).contains("GRING_FUSED(gptq_ring_int4_g128, 4,"));
    }

    /** A slot row's bytes written out: the segment, the copied slice, the subnormal slice, rounded to 16. */
    private static int rowBytes(int bits, int k, int stride, int groups, boolean silu) {
        int ne = 32 / bits;  // groups per word
        int words = k / 32 / (128 / bits);
        int s = GptqRing.segg(bits, silu);
        int nseg = (words + s - 1) / s;
        int seg = Math.max(stride - (nseg - 1) * s * 512, s * 512);
        int entries = Math.max(groups - (nseg - 1) * s * ne, s * ne);
        int tabn = entries + 2 + (entries % 2 == 0 ? 0 : 1);
        return (seg + 8 * tabn + (bits == 8 ? 8 : 20) * tabn + 15) / 16 * 16;
    }

    @Test
    void sharedMemoryOfTheSeedReportsShapes() {
        int slots = GptqRing.WARPS * GptqRing.SLOTS;
        // Qwen1.5-14B down: 13,696 inputs (428 chunks, a multiple of 4), 107 groups; rows 13,712 (int8) or 6,848 bytes
        for (int bits : new int[] {8, 4}) {
            int stride = (13696 * bits / 8 + 15) / 16 * 16;
            int r = GptqRing.rows(false);
            assertEquals(4 * 428 * 32 + slots * r * rowBytes(bits, 13696, stride, 107, false),
                    GptqRing.smem(bits, 13696, stride, 107, false, false));
            // gate/up with the norm: the input row and its weights; SILU's pairs take 2 rows at least
            int rs = GptqRing.rows(true);
            assertTrue(rs >= 2 && rs % 2 == 0);
            assertEquals(2 * 4 * 5120 + slots * rs * rowBytes(bits, 5120, 5120 * bits / 8, 40, true),
                    GptqRing.smem(bits, 5120, 5120 * bits / 8, 40, true, true));
            assertTrue(GptqRing.smem(bits, 13696, stride, 107, false, false) <= H200_SMEM);
            assertTrue(GptqRing.smem(bits, 5120, 5120 * bits / 8, 40, true, true) <= H200_SMEM);
            assertTrue(GptqRing.smem(bits, 5120, 5120 * bits / 8, 40, true, false) <= H200_SMEM);
        }
        // a row of chunks not a multiple of 4 is rounded up to whole 16-byte x loads
        assertEquals(4 * 96 * 32 + slots * GptqRing.rows(false) * rowBytes(8, 93 * 32, 2976, 24, false),
                GptqRing.smem(8, 93 * 32, 2976, 24, false, false));
    }

    @Test
    void takesWholeWordsOfGroup128WithHalfRangeScales() {
        assertTrue(GptqRing.takes(8, 128, 5120, true));
        assertFalse(GptqRing.takes(8, 128, 5120, false), "a scale beyond binary16's range");
        assertFalse(GptqRing.takes(8, 128, 480, true), "no whole word per lane");
        assertFalse(GptqRing.takes(4, 128, 512, true), "an int4 word holds 32 chunks");
        assertFalse(GptqRing.takes(8, 128, 5120 + 16, true), "a tail after the chunks");
        assertFalse(GptqRing.takes(8, 64, 5120, true));
        assertFalse(GptqRing.takes(8, 0, 5120, true), "act-order");
    }

    @Test
    void halfRangeScales() {
        float[] ok = {0x1.ffcp15f, 1f, 0x1p-24f, 0.5f, 0f, 0f, -0x1p-14f, 3f};
        assertTrue(new GptqRows(8, 4, 32, 32, 1, 128, new byte[128], ok, new int[32], null).halfRangeScales());
        for (float s : new float[] {0x1p16f, 0x1p-25f, Float.NaN, Float.POSITIVE_INFINITY, -0x1p17f}) {
            float[] tab = {1f, 0f, s, 0f};
            assertFalse(new GptqRows(8, 2, 32, 32, 1, 128, new byte[64], tab, new int[32], null).halfRangeScales(),
                    "scale " + s);
        }
    }

    @Test
    void variantLoadsItByDefault() {
        assertTrue(GptqRing.loads(GptqDirect.DEFAULT_VARIANT, 8));
        assertTrue(GptqRing.loads(GptqDirect.DEFAULT_VARIANT, 4));
        assertTrue(GptqRing.loads("ring", 4));
        assertFalse(GptqRing.loads("decode", 8));
        assertFalse(GptqRing.loads("stream", 8));
        assertFalse(GptqDecode.loads("ring", 8));
        assertFalse(GptqDirect.loads("ring", 8));
        assertThrows(IllegalArgumentException.class, () -> GptqRing.loads("registers", 8));
    }
}
