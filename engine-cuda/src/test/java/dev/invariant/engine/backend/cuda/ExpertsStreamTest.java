package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launch of kernels/experts_stream.cu (no GPU needed): its ring as MoeKernels writes it again, the shared memory a
 * block takes for the input rows of the pairs it streams, and which steps stream (MoeKernels.STREAM).
 */
class ExpertsStreamTest {
    private static final Path SOURCE = Path.of("..", "kernels", "experts_stream.cu");  // from the module's directory
    /** An H200's opt-in shared memory per block, less the kernel's static arrays. */
    private static final int H200 = 232_448 - 512;
    private static final int RING = 16 * 2 * (8 * 512 + 576);

    @Test
    void ringIsTheKernelSources() throws IOException {
        String src = Files.readString(SOURCE);
        Map<String, Integer> defs = StreamRingTest.defines(src);
        assertEquals(new StreamRing.Shape(defs.get("EXPERTS_WARPS"), defs.get("EXPERTS_SLOTS"),
                defs.get("EXPERTS_GROUPS"), ""), MoeKernels.STREAM_RING);
        assertTrue(src.contains("#define EXPERTS_SLOT_BYTES (EXPERTS_GROUPS * 512 + 576)"), "slot bytes");
        assertEquals(RING, MoeKernels.STREAM_RING.bytes());
        for (String dtype : new String[] {"bf16", "f32"}) {
            for (String fused : new String[] {"", "_silu"}) {
                assertTrue(src.contains("EXPERTS_STREAM(experts_stream_" + dtype + fused + ", "), dtype + fused);
            }
        }
    }

    @Test
    void aBlockStagesTheInputRowsOfThePairsItsWarpsStream() {
        // Qwen1.5-MoE-A2.7B at batch 1: 4 pairs; gate|up (2 x 1,408 rows) of the token's one normed row of 2,048
        assertEquals(RING + 4 * 2048, MoeKernels.streamedSmem(4, 2816, true, 4, 2048, 132));
        // down (2,048 rows) of each pair's own row of 1,408: 132 blocks split the 4 pairs' 8,192 rows at pair
        // boundaries (a block each side of them), 130 blocks do not (a block straddles two pairs)
        assertEquals(RING + 4 * 1408, MoeKernels.streamedSmem(4, 2048, false, 1, 1408, 132));
        assertEquals(RING + 2 * 4 * 1408, MoeKernels.streamedSmem(4, 2048, false, 1, 1408, 130));
        // batch 4: gate|up of 4 tokens' rows (16 pairs), k rounded up to a multiple of 4: one row a block where the
        // blocks split at the tokens' boundaries, two where one straddles them
        assertEquals(RING + 4 * 20, MoeKernels.streamedSmem(16, 2816, true, 4, 18, 132));
        assertEquals(RING + 2 * 4 * 20, MoeKernels.streamedSmem(16, 2816, true, 4, 18, 130));
        // more blocks than rows: every block holds one row at most, empty ones none
        assertEquals(RING + 4 * 64, MoeKernels.streamedSmem(1, 4, false, 1, 64, 132));
        // Mixtral at batch 1: down's rows of 14,336 floats fit beside the ring one at a time (132 blocks split its 2
        // pairs at their boundary), two of them (131 blocks) do not
        assertTrue(MoeKernels.streamedSmem(2, 4096, false, 1, 14336, 132) <= H200);
        assertTrue(MoeKernels.streamedSmem(2, 4096, false, 1, 14336, 131) > H200);
    }

    @Test
    void noStepStreamsByDefaultOneTokenStepsOnAuto() {
        assertEquals(0, MoeKernels.streamTokens());
        Gpu.withProperties(Map.of(MoeKernels.STREAM, "auto"), () -> assertEquals(1, MoeKernels.streamTokens()));
        Gpu.withProperties(Map.of(MoeKernels.STREAM, "true"),
                () -> assertEquals(Integer.MAX_VALUE, MoeKernels.streamTokens()));
        Gpu.withProperties(Map.of(MoeKernels.STREAM, "false"), () -> assertEquals(0, MoeKernels.streamTokens()));
        Gpu.withProperties(Map.of(MoeKernels.STREAM, "yes"), () -> assertEquals(
                "-Dinvariant.cuda.moe-stream takes auto, true or false; got yes",
                assertThrows(IllegalArgumentException.class, MoeKernels::streamTokens).getMessage()));
    }
}
