package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launch of kernels/gptq_matvec.cu's chosen GPTQ experts (no GPU needed): the staged kernels' table entries and
 * warps as GptqExperts writes them again, which kernels each setting stages, and the setting's error.
 */
class GptqExpertsTest {
    private static final Path SOURCE = Path.of("..", "kernels", "gptq_matvec.cu");  // from the module's directory

    @Test
    void stagedTablesAreTheKernelSources() throws IOException {
        Map<String, Integer> defs = StreamRingTest.defines(Files.readString(SOURCE));
        assertEquals(GptqExperts.STAGED_ENTRIES, defs.get("TSTAGE"));
        assertEquals(Kernels.MATVEC_WARPS, defs.get("WARPS"));
        String source = Files.readString(SOURCE);
        for (String kind : new String[] {"experts", "grouped"}) {
            assertTrue(source.contains("gptq_" + kind + "##form##int##BITS##suffix("), kind);
        }
        // the forms GptqExperts loads: _loads_ for every row kind, staged (no _loads_) without act-order only
        for (int bits : new int[] {8, 4}) {
            assertTrue(source.contains("GPTQ_EXPERTS_FUSED(_loads_, " + bits + ", , false, true)"), "loads " + bits);
            assertTrue(source.contains("GPTQ_EXPERTS_FUSED(_loads_, " + bits + ", _act, true, true)"), "act " + bits);
            assertTrue(source.contains("GPTQ_EXPERTS_FUSED(_, " + bits + ", , false, false)"), "staged " + bits);
            assertFalse(source.contains("GPTQ_EXPERTS_FUSED(_, " + bits + ", _act"), "staged act-order " + bits);
        }
    }

    @Test
    void theDefaultStagesInt8AndTheChosenInt4DownOnly() {
        assertTrue(GptqExperts.staged("auto", 4, false, false, false));
        assertFalse(GptqExperts.staged("auto", 4, false, true, false), "int4 gate|up");
        assertFalse(GptqExperts.staged("auto", 4, false, false, true), "int4 grouped");
        assertTrue(GptqExperts.staged("auto", 8, false, false, false), "int8 down");
        assertTrue(GptqExperts.staged("auto", 8, false, true, true), "int8 grouped gate|up");
        assertFalse(GptqExperts.staged("auto", 4, true, false, false), "act-order");
        assertFalse(GptqExperts.staged("auto", 8, true, false, false), "int8 act-order");
        assertTrue(GptqExperts.staged("staged", 8, false, true, true));
        assertFalse(GptqExperts.staged("staged", 4, true, false, false), "act-order has no staged form");
        assertFalse(GptqExperts.staged("loads", 4, false, false, false));
        assertFalse(GptqExperts.staged("loads", 8, false, false, false));
    }

    @Test
    void anUnknownVariantIsRefusedByName() {
        Gpu.withProperties(Map.of(GptqExperts.KERNEL, "registers"), () -> assertEquals(
                "-Dinvariant.cuda.gptq-experts takes auto, staged or loads; got registers",
                assertThrows(IllegalArgumentException.class, () -> new GptqExperts(null)).getMessage()));
    }
}
