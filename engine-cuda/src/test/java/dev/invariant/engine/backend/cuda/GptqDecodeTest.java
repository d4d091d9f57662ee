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
 * The launch of kernels/gptq_decode.cu (no GPU needed): the shape written again in {@link GptqDecode} is the kernel
 * source's, its shared memory is the lane-major input row plus each warp's two table and rest buffers, the seed
 * report's shapes fit the H200's shared memory, and it takes only the rows it can read whole.
 */
class GptqDecodeTest {
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_decode.cu");  // from the module's directory
    private static final int H200_SMEM = 232_448 - 1024;

    @Test
    void shapeIsTheKernelSources() throws IOException {
        Map<String, String> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define GDECODE(_R|_WARPS) (\\w+)$").matcher(Files.readString(SOURCE));
        while (m.find()) defs.put(m.group(1), m.group(2));
        assertEquals(Map.of("_R", String.valueOf(GptqDecode.ROWS), "_WARPS", String.valueOf(GptqDecode.WARPS)), defs);
        assertEquals("gptq_decode_int4_g128_norm", GptqDecode.name(4, "_norm"));
        assertTrue(Files.readString(SOURCE).contains("GDECODE_FUSED(gptq_decode_int8_g128, 8,"));
        assertTrue(Files.readString(SOURCE).contains("GDECODE_FUSED(gptq_decode_int4_g128, 4,"));
        // the previous shape, kept to compare, under its own names
        assertEquals("gptq_decode_int8_g128_w32_norm_silu", GptqDecode.name(8, "_norm_silu", GptqDecode.PREVIOUS_WARPS));
        assertEquals(GptqDecode.name(8, ""), GptqDecode.name(8, "", GptqDecode.WARPS));
        for (int bits : new int[] {8, 4}) {
            assertTrue(Files.readString(SOURCE).contains("GDECODE_FUSED(gptq_decode_int" + bits + "_g128_w32, " + bits
                    + ", GDECODE" + (bits == 4 ? "4" : "") + "_D, " + GptqDecode.PREVIOUS_WARPS + ")"));
        }
    }

    @Test
    void warpsSettingIsChecked() {
        assertEquals(GptqDecode.WARPS, GptqDecode.warps(String.valueOf(GptqDecode.WARPS)));
        assertEquals(GptqDecode.PREVIOUS_WARPS, GptqDecode.warps("32"));
        var e = assertThrows(IllegalArgumentException.class, () -> GptqDecode.warps("31"));
        assertTrue(e.getMessage().contains(GptqDecode.WARPS_PROPERTY), e.getMessage());
        // each warp's buffers scale the shared memory with the warps
        int at30 = GptqDecode.smem(8, 13696, 107, false, false, 30);
        int at32 = GptqDecode.smem(8, 13696, 107, false, false, 32);
        assertEquals(2 * 2 * GptqDecode.rows(false) * (108 * 8 + 32 * 12), at32 - at30);
        assertTrue(at32 <= H200_SMEM);
    }

    @Test
    void sharedMemoryOfTheSeedReportsShapes() {
        int r = GptqDecode.rows(false);
        int w = GptqDecode.WARPS;
        // Qwen1.5-14B down, int8: 428 chunks = 26 words of 16 + a rest of 12; 107 groups, padded to 108
        assertEquals(4 * 13696 + w * 2 * r * 108 * 8 + w * 2 * r * 32 * 12, GptqDecode.smem(8, 13696, 107, false, false));
        // int4: 13 words of 32 + a rest of 12 (16 bytes per rest chunk)
        assertEquals(4 * 13696 + w * 2 * r * 108 * 8 + w * 2 * r * 16 * 12, GptqDecode.smem(4, 13696, 107, false, false));
        // gate/up with the norm: the input row and its weights, no rest; SILU's pairs take 2 rows at least
        int rs = GptqDecode.rows(true);
        assertTrue(rs >= 2 && rs % 2 == 0);
        assertEquals(2 * 4 * 5120 + w * 2 * rs * 40 * 8, GptqDecode.smem(8, 5120, 40, true, true));
        // a row of chunks not a multiple of 4 is rounded up to whole 16-byte x loads
        assertEquals(4 * 96 * 32 + w * 2 * r * 24 * 8 + w * 2 * r * 32 * 13, GptqDecode.smem(8, 93 * 32, 24, false, false));
        for (int bits : new int[] {8, 4}) {
            assertTrue(GptqDecode.smem(bits, 5120, 40, true, true) <= H200_SMEM);
            assertTrue(GptqDecode.smem(bits, 13696, 107, false, false) <= H200_SMEM);
        }
    }

    @Test
    void takesWholeWordsOfGroup128() {
        assertTrue(GptqDecode.takes(8, 128, 5120));
        assertTrue(GptqDecode.takes(8, 128, 512));
        assertFalse(GptqDecode.takes(8, 128, 480), "no whole word per lane");
        assertTrue(GptqDecode.takes(4, 128, 1024));
        assertFalse(GptqDecode.takes(4, 128, 512), "an int4 word holds 32 chunks");
        assertFalse(GptqDecode.takes(8, 128, 5120 + 16), "a tail after the chunks");
        assertFalse(GptqDecode.takes(8, 64, 5120));
        assertFalse(GptqDecode.takes(8, 0, 5120), "act-order");
    }

    @Test
    void variantLoadsItByDefault() {
        assertTrue(GptqDecode.loads(GptqDirect.DEFAULT_VARIANT, 8));
        assertTrue(GptqDecode.loads(GptqDirect.DEFAULT_VARIANT, 4));
        assertTrue(GptqDecode.loads("decode", 4));
        assertFalse(GptqDecode.loads("direct", 8));
        assertFalse(GptqDecode.loads("stream", 8));
        assertFalse(GptqDirect.loads("decode", 8));
        assertThrows(IllegalArgumentException.class, () -> GptqDecode.loads("registers", 8));
    }
}
