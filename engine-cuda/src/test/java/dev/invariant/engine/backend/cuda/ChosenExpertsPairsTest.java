package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.model.Moe;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How many (token, choice) pairs a step may have and still project only its chosen experts (MoeKernels.chosenPairs;
 * no GPU needed): by default no more than the layer's experts, so the chosen path never reads more bytes than every
 * expert once; chosen and all force one path on every step.
 */
class ChosenExpertsPairsTest {
    // Qwen1.5-MoE-A2.7B: 60 experts, 4 per token; Mixtral: 8, 2
    private static final Moe QWEN = new Moe(60, 4, 1408, false, 5632, List.of(true));
    private static final Moe MIXTRAL = new Moe(8, 2, 14336, true, 0, List.of(true));

    @Test
    void autoTakesTheChosenExpertsWhileTheyAreNoMoreThanEveryExpert() {
        assertEquals(60, MoeKernels.chosenPairs(QWEN, 256));  // batch 15 (60 pairs) chosen, 16 every expert
        assertEquals(8, MoeKernels.chosenPairs(QWEN, 2));
        assertEquals(8, MoeKernels.chosenPairs(MIXTRAL, 256));  // batch 4
        assertEquals(2, MoeKernels.chosenPairs(MIXTRAL, 1));
    }

    @Test
    void chosenAndAllForceOnePath() {
        Gpu.withProperties(Map.of(MoeKernels.EXPERTS, "chosen"),
                () -> assertEquals(1024, MoeKernels.chosenPairs(QWEN, 256)));
        Gpu.withProperties(Map.of(MoeKernels.EXPERTS, "all"), () -> assertEquals(0, MoeKernels.chosenPairs(QWEN, 256)));
        Gpu.withProperties(Map.of(MoeKernels.EXPERTS, "some"), () -> assertEquals("-Dinvariant.cuda.moe-experts takes"
                + " auto, chosen or all; got some", assertThrows(IllegalArgumentException.class,
                        () -> MoeKernels.chosenPairs(QWEN, 256)).getMessage()));
    }
}
