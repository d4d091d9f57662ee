package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How many (token, choice) pairs a step may have and still project only its chosen experts (MoeKernels.chosenPairs;
 * no GPU needed): by default every step's where a token chooses at most a tenth of the experts, else no more than the
 * layer's experts (the chosen path then never reads more bytes than every expert once); chosen and all force one
 * path on every step.
 */
class ChosenExpertsPairsTest {
    // Qwen1.5-MoE-A2.7B: 60 experts, 4 per token; Qwen3-30B-A3B: 128, 8; Mixtral: 8, 2; OLMoE: 64, 8
    private static final Moe QWEN = new Moe(60, 4, 1408, false, 5632, List.of(true));
    private static final Moe QWEN3 = new Moe(128, 8, 768, true, 0, List.of(true));
    private static final Moe MIXTRAL = new Moe(8, 2, 14336, true, 0, List.of(true));
    private static final Moe OLMOE = new Moe(64, 8, 1024, false, 0, List.of(true));

    @Test
    void autoTakesTheChosenExpertsOnEveryStepOfSparseMixtures() {
        assertEquals(1024, MoeKernels.chosenPairs(QWEN, 256));
        assertEquals(8, MoeKernels.chosenPairs(QWEN, 2));
        assertEquals(2048, MoeKernels.chosenPairs(QWEN3, 256));
    }

    @Test
    void autoTakesThemWhileTheyAreNoMoreThanEveryExpertOfDenserOnes() {
        assertEquals(8, MoeKernels.chosenPairs(MIXTRAL, 256));  // batch 4
        assertEquals(2, MoeKernels.chosenPairs(MIXTRAL, 1));
        assertEquals(64, MoeKernels.chosenPairs(OLMOE, 256));  // batch 8
    }

    @Test
    void moreRoutesThanExpertsAreGroupedByExpert() {
        assertEquals(61, MoeKernels.groupedFrom(60));  // by default: steps of more pairs than experts
        Gpu.withProperties(Map.of(MoeKernels.GROUPED, "auto"), () -> assertEquals(61, MoeKernels.groupedFrom(60)));
        Gpu.withProperties(Map.of(MoeKernels.GROUPED, "true"), () -> assertEquals(0, MoeKernels.groupedFrom(60)));
        Gpu.withProperties(Map.of(MoeKernels.GROUPED, "false"),
                () -> assertEquals(MoeKernels.MAX_GRID_Y + 1, MoeKernels.groupedFrom(60)));
        // the grouped grid's rows stay within a launch's: at most 4 pairs a group, one part-filled group an expert
        assertEquals(MoeKernels.MAX_GRID_Y, MoeKernels.maxGroups(MoeKernels.chosenPairs(QWEN, 1 << 20), 60));
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

    @Test
    void moreExpertsThanTheRouteHoldsAreRefusedBeforeAnyUpload() {
        ModelConfig c = SyntheticPreset.named("tiny-qwen3-moe").config();
        CudaExperts.checkFits(c);
        Moe many = new Moe(MoeKernels.MAX_EXPERTS + 1, 8, 32, true, 0, c.moe().sparse());
        ModelConfig wide = c.withMoe(many);
        EngineException e = assertThrows(EngineException.class, () -> CudaExperts.checkFits(wide));
        assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
        assertEquals("the cuda backend routes at most 1024 experts per layer; this model has 1025: use --backend cpu",
                e.getMessage());
    }
}
