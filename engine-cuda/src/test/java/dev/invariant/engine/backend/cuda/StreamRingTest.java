package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
 * The launch of kernels/matvec_stream.cu (no GPU needed): the rings written again in {@link StreamRing} are the
 * kernel source's, and which ring a model's one-token projections take follows its shape only: auto gives bf16 models
 * of hidden size up to 2,048 the 16-warp ring, larger bf16 models the wide ring, f32 the base ring, and each variant
 * can be forced.
 */
class StreamRingTest {
    private static final Path SOURCE = Path.of("..", "kernels", "matvec_stream.cu");  // from the module's directory
    /** An H200's opt-in shared memory per block less the kernels' static arrays (Kernels.matvecSmem). */
    private static final int H200 = 232_448 - 1024;

    @Test
    void ringsAreTheKernelSources() throws IOException {
        String src = Files.readString(SOURCE);
        Map<String, Integer> defs = defines(src);
        assertEquals(new StreamRing.Shape(defs.get("STREAM_WARPS"), defs.get("SLOTS"), defs.get("SEG_GROUPS"), ""),
                StreamRing.BASE);
        assertEquals(new StreamRing.Shape(defs.get("W16_WARPS"), defs.get("W16_SLOTS"), defs.get("SEG_GROUPS"), "_w16"),
                StreamRing.W16);
        assertEquals(new StreamRing.Shape(defs.get("WIDE_WARPS"), defs.get("WIDE_SLOTS"), defs.get("WIDE_GROUPS"), "_wide"),
                StreamRing.WIDE);
        assertTrue(src.contains("#define STREAM_SLOT_BYTES(segGroups) ((segGroups) * 512 + 576)"), "slot bytes");
        for (String fused : new String[] {"", "_norm", "_norm_silu"}) {  // the wide ring: bf16 only
            assertTrue(src.contains("MATVEC_STREAM_WIDE(matvec_stream_bf16" + fused + "_wide, "), fused + "_wide");
        }
        // every kernel the backend loads is defined: base and _w16 for both dtypes and fusions, the pairs for bf16
        for (String dtype : new String[] {"bf16", "f32"}) {
            for (String fused : new String[] {"", "_norm", "_norm_silu"}) {
                assertTrue(src.contains("MATVEC_STREAM(matvec_stream_" + dtype + fused + ", "), dtype + fused);
                assertTrue(src.contains("MATVEC_STREAM_W16(matvec_stream_" + dtype + fused + "_w16, "), dtype + fused + "_w16");
            }
        }
        for (StreamRing.Shape pair : StreamRing.PAIRS) {
            String suffix = pair.suffix().substring(1);
            assertTrue(src.contains("MATVEC_STREAM_PAIRS(" + suffix + ", " + pair.groups() + ", 0)"), suffix);
            assertEquals(new StreamRing.Shape(defs.get("STREAM_WARPS"), 2, pair.groups(), pair.suffix()), pair);
        }
    }

    /** A kernel source's numeric #defines, by name. */
    static Map<String, Integer> defines(String src) {
        Map<String, Integer> defs = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^#define (\\w+) (\\d+)$").matcher(src);
        while (m.find()) defs.put(m.group(1), Integer.parseInt(m.group(2)));
        return defs;
    }

    @Test
    void ringBytes() {
        assertEquals(112_128, StreamRing.BASE.bytes());
        assertEquals(149_504, StreamRing.W16.bytes());
        assertEquals(512, StreamRing.W16.threads());
        assertEquals(161_280, StreamRing.WIDE.bytes());
        assertEquals(256, StreamRing.WIDE.threads());
        // Qwen1.5-14B's gate/up (+norm, k 5120) and down (k 13696) fit the wide ring with their input row
        assertEquals(161_280 + 8 * 5120, StreamRing.smem(StreamRing.WIDE, 5120, true));
        assertEquals(161_280 + 4 * 13696, StreamRing.smem(StreamRing.WIDE, 13696, false));
        assertEquals(74_752, StreamRing.PAIRS.get(0).bytes());
        assertEquals(41_984, StreamRing.PAIRS.get(1).bytes());
        // Qwen2.5-0.5B's qkv (+norm, k 896) and down (k 4864): the ring and the input row (and the norm's weights)
        assertEquals(149_504 + 8 * 896, StreamRing.smem(StreamRing.W16, 896, true));
        assertEquals(149_504 + 4 * 4864, StreamRing.smem(StreamRing.W16, 4864, false));
        assertEquals(74_752 + 4 * 900, StreamRing.pairSmem(StreamRing.PAIRS.get(0), 899));
    }

    /** By the model's shape: Qwen2.5-0.5B (896; FFN 4,864), a 2,048 model (FFN 11,008), Qwen1.5-14B (5,120; 13,696). */
    @Test
    void autoByHiddenSize() {
        for (int k : new int[] {896, 4864}) assertSame(StreamRing.W16, ring("auto", 896, true, k));
        for (int k : new int[] {2048, 11008}) assertSame(StreamRing.W16, ring("auto", 2048, true, k));
        for (int k : new int[] {2049, 5120, 13696}) {
            assertSame(StreamRing.WIDE, ring("auto", 2049, true, k));
            assertSame(StreamRing.WIDE, ring("auto", 5120, true, k));
            assertSame(StreamRing.BASE, ring("auto", 5120, false, k), "f32 keeps the base ring");
        }
        assertSame(StreamRing.WIDE, ring("auto", 5120, true, 5120, true));
        assertSame(StreamRing.BASE, ring("auto", 5120, true, 13696, true), "input row and norm weights: no room");
        assertSame(StreamRing.BASE, ring("auto", 64, false, 64), "f32 keeps the base ring unless forced");
    }

    @Test
    void forcedVariants() {
        for (int hidden : new int[] {320, 896, 5120}) {
            assertSame(StreamRing.BASE, ring("base", hidden, true, hidden));
            assertSame(StreamRing.W16, ring("w16", hidden, true, 13696));
            assertSame(StreamRing.W16, ring("w16", hidden, false, hidden));
            assertSame(StreamRing.WIDE, ring("wide", hidden, true, hidden));
            assertSame(StreamRing.BASE, ring("wide", hidden, false, hidden), "no f32 wide kernels");
            // the pair variants' rings are chosen by ProjectionKernels where two blocks fit; the rest streams on base
            assertSame(StreamRing.BASE, ring("pair", hidden, true, hidden));
            assertSame(StreamRing.BASE, ring("pair-early", hidden, true, hidden));
        }
    }

    /** A row whose input row leaves no room for the 16-warp ring takes the base ring, and then matvec.cu (null). */
    @Test
    void widestRowsFallBack() {
        int w16Max = (H200 - StreamRing.W16.bytes()) / 8;  // normed: the input row and the norm's weights
        int baseMax = (H200 - StreamRing.BASE.bytes()) / 8;
        assertSame(StreamRing.W16, ring("w16", 896, true, w16Max & ~3, true));
        assertSame(StreamRing.BASE, ring("w16", 896, true, (w16Max & ~3) + 4, true));
        assertSame(StreamRing.BASE, ring("auto", 896, true, (baseMax & ~3), true));
        assertNull(ring("auto", 896, true, (baseMax & ~3) + 4, true));
        int wideMax = (H200 - StreamRing.WIDE.bytes()) / 8;
        assertSame(StreamRing.WIDE, ring("auto", 5120, true, wideMax & ~3, true));
        assertSame(StreamRing.BASE, ring("auto", 5120, true, (wideMax & ~3) + 4, true));
    }

    @Test
    void unknownVariantIsRefused() {
        System.setProperty(StreamRing.PROPERTY, "w32");
        try {
            assertThrows(IllegalArgumentException.class, StreamRing::variant);
        } finally {
            System.clearProperty(StreamRing.PROPERTY);
        }
        assertEquals("auto", StreamRing.variant());
    }

    private static StreamRing.Shape ring(String variant, int hidden, boolean bf16, int k) {
        return ring(variant, hidden, bf16, k, false);
    }

    private static StreamRing.Shape ring(String variant, int hidden, boolean bf16, int k, boolean normed) {
        return StreamRing.ring(variant, hidden, bf16, k, normed, H200);
    }
}
