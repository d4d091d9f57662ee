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
 * The launch of kernels/gptq_direct.cu (no GPU needed): the shape written again in {@link GptqDirect} is the kernel
 * source's, its shared memory holds the input row (twice with the norm) and the lane-major copy of every whole word's
 * inputs, the seed report's shapes fit the H200's shared memory, and the switch loads it for int8 only by default.
 */
class GptqDirectTest {
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_direct.cu");  // from the module's directory
    private static final int H200_SMEM = 232_448 - 1024;

    @Test
    void shapeIsTheKernelSources() throws IOException {
        Map<String, String> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define GDIRECT(_R|_WARPS|_D|_TD|4_D|4_TD|_BPS) (\\w+)$")
                .matcher(Files.readString(SOURCE));
        while (m.find()) defs.put(m.group(1), m.group(2));
        assertEquals(String.valueOf(GptqDirect.WARPS), defs.get("_WARPS"), "GDIRECT_WARPS");
        assertEquals(String.valueOf(GptqDirect.BLOCKS_PER_SM), defs.get("_BPS"), "GDIRECT_BPS");
        // the shape measured fastest for int8 group 128 (bench/device/kernels/gptq.cu's "direct 2x20w2/1,1/1")
        assertEquals(20, GptqDirect.WARPS);
        assertEquals(1, GptqDirect.BLOCKS_PER_SM);
        assertEquals(Map.of("_R", "2", "_WARPS", "20", "_D", "2", "_TD", "1", "4_D", "1", "4_TD", "1", "_BPS", "1"),
                defs, "GDIRECT_* defaults");
        assertEquals("gptq_direct_int8_g128_norm_silu", GptqDirect.name(8, "_norm_silu"));
        assertTrue(Files.readString(SOURCE).contains("GDIRECT_FUSED(gptq_direct_int8_g128, 8,"));
        assertFalse(Files.readString(SOURCE).contains("GDIRECT_FUSED(gptq_direct_int4_g128"), "int4: benchmark only");
    }

    @Test
    void sharedMemoryHoldsTheRowAndItsWords() {
        for (int bits : new int[] {8, 4}) {
            int gs = 128 / bits;
            for (int k : new int[] {20, 100, 128, 512, 1024, 2816, 5120, 5632, 13696, 18944}) {
                int xst = (k + 3) & ~3;
                int words = k >= 32 ? k / 32 / gs : 0;  // whole 16-byte words per lane
                assertTrue(words * gs * 32 <= k, "the words' inputs are the row's");
                assertEquals(4 * (xst + words * gs * 32), GptqDirect.smem(bits, k, false), "k " + k);
                assertEquals(4 * (2 * xst + words * gs * 32), GptqDirect.smem(bits, k, true), "k " + k);
            }
        }
        // Qwen1.5-14B: hidden 5120 (qkv, o, gate/up with the norm), FFN 13696 (down)
        for (int bits : new int[] {8, 4}) {
            assertTrue(GptqDirect.smem(bits, 5120, true) <= H200_SMEM / GptqDirect.BLOCKS_PER_SM);
            assertTrue(GptqDirect.smem(bits, 13696, false) <= H200_SMEM / GptqDirect.BLOCKS_PER_SM);
        }
        // why auto keeps it: Qwen2.5-32B's down projection (k 27,648, 216 groups) does not fit gptq_decode.cu's
        // per-warp table buffers, but fits here
        assertTrue(GptqDecode.smem(8, 27648, 216, false, false) > H200_SMEM);
        assertTrue(GptqDirect.smem(8, 27648, false) <= H200_SMEM);
        assertTrue(GptqDirect.takes(128));
        assertFalse(GptqDirect.takes(0));
        assertFalse(GptqDirect.takes(64));
    }

    @Test
    void variantLoadsInt8ByDefault() {
        assertTrue(GptqDirect.loads(GptqDirect.DEFAULT_VARIANT, 8));
        assertFalse(GptqDirect.loads(GptqDirect.DEFAULT_VARIANT, 4));
        assertTrue(GptqDirect.loads("auto", 8));
        assertFalse(GptqDirect.loads("auto", 4));
        assertTrue(GptqDirect.loads("direct", 8));
        assertFalse(GptqDirect.loads("direct", 4));
        assertFalse(GptqDirect.loads("stream", 8));
        assertFalse(GptqDirect.loads("stream", 4));
        assertThrows(IllegalArgumentException.class, () -> GptqDirect.loads("registers", 8));
    }
}
