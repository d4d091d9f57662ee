package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.model.gptq.GptqConfig;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link CudaMatchesCpuTest}'s promise on GPTQ checkpoints, kept packed on both backends: the CUDA logits are the
 * CPU's, raw float bits, on every kernel a GPTQ projection may take (one token streamed or read into registers, a few
 * tokens one launch each, many on tiles or token groups) and under each switch that picks between them.
 */
class CudaGptqMatchesCpuTest {
    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    /**
     * GPTQ checkpoints (kernels/gptq_stream.cu once per token for steps of 1-3 tokens, gptq_direct.cu for int8 group
     * 128, gptq_tile.cu from 4 tokens where its blocks fill half the multiprocessors, else gptq_matvec.cu): the tiny
     * presets (int8 act-order group 32, int4 asymmetric group 128, int4 one group; only the per-value rest of a row)
     * and the seed report's quantisation at Qwen1.5's vocabulary; mixtures of experts packed (every expert over every
     * token, each a GPTQ projection).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-gptq-int8", "tiny-gptq-int4", "tiny-gptq-int4-g-1", "qwen1.5-small-gptq-int8",
            "tiny-qwen2-moe-gptq-int4", "tiny-qwen3-moe-gptq-int8"})
    void gptqPresets(String name) {
        try (LoadedModel m = LoadedModel.open(name)) {
            CudaMatchesCpuTest.compare(name, m.model());
        }
    }

    /**
     * GPTQ rows of whole 16-byte loads (GptqModels): v2 zeros, int4 act-order with a g_idx per linear, groups 32-128
     * or one.
     */
    @ParameterizedTest
    @MethodSource("gptqNames")
    void gptqWide(String name) {
        CudaMatchesCpuTest.compare(name, GptqModels.wide(GptqModels.named(name)));
    }

    /**
     * One-token GPTQ steps (decode, chunks of 1) take kernels/gptq_stream.cu and steps of many (the prefill, chunks of
     * 64 with companions) kernels/gptq_tile.cu; with either turned off they take gptq_matvec.cu's variants, which must
     * match the CPU as well. Without the family shape, int8 grouped rows stream with the wide rows' shape. The
     * stream variant throughout, so that int8 group 128 reaches gptq_stream.cu rather than gptq_direct.cu.
     */
    @ParameterizedTest
    @CsvSource({GptqKernels.GPTQ_STREAM + ", 0", GptqKernels.GPTQ_STREAM + ", 1", GptqKernels.GPTQ_TILE + ", 0",
            GptqKernels.GPTQ_TILE + ", 1", GptqKernels.GPTQ_STREAM_FAMILY_SHAPE + ", 0"})
    void gptqWithout(String property, int setting) {  // settings: int8 group 128, int4 act-order
        System.setProperty(property, "false");
        System.setProperty(GptqKernels.GPTQ_VARIANT, "stream");
        try {
            GptqConfig q = GptqModels.SETTINGS.get(setting);
            CudaMatchesCpuTest.compare(GptqModels.name(q) + " without " + property, GptqModels.wide(q));
        } finally {
            System.clearProperty(property);
            System.clearProperty(GptqKernels.GPTQ_VARIANT);
        }
    }

    /**
     * Many-token GPTQ steps with the fused norm inside the tiles (-Dinvariant.cuda.tile-staging=cp: the
     * normalising pass per stage) rather than staged first, the default: the same bits as the CPU either way.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})  // settings: int8 group 128, int4 act-order group 32, int4 group 128
    void gptqTilesNormInside(int setting) {
        compareWith(ProjectionKernels.TILE_STAGING, "cp", GptqModels.SETTINGS.get(setting));
    }

    /**
     * Many-token int8 group-128 steps on the tiles whose stages the threads copy (-Dinvariant.cuda.gptq-tile-bulk=false;
     * the copy engine's ring, the default, is what every other check of int8 group 128 takes): x' normed first for qkv
     * and gate/up, the attention output and silu(gate) * up as given for o and down, the FFN's 2,816 inputs leaving a
     * rest after the tiles' whole stages.
     */
    @Test
    void gptqTileWithoutBulk() {
        compareWith(GptqKernels.GPTQ_TILE_BULK, "false", GptqModels.SETTINGS.get(0));  // int8 group 128
    }

    /**
     * One-token group-128 GPTQ steps under each -Dinvariant.cuda.gptq-variant: unset (auto: int8 and int4 on kernels/
     * gptq_decode.cu), decode (the same as unset, by name), stream (int8 on gptq_stream.cu) and direct (int8 on
     * gptq_direct.cu, auto's kernel for int8 rows gptq_decode.cu does not take or fit); the FFN's 2,816 inputs leave a
     * rest after the rows' whole words.
     */
    @ParameterizedTest
    @CsvSource({"unset, 0", "unset, 2", "decode, 0", "decode, 2", "stream, 0",
        "direct, 0"})  // settings: int8 group 128, int4 group 128
    void gptqDirect(String variant, int setting) {
        if (!variant.equals("unset")) System.setProperty(GptqKernels.GPTQ_VARIANT, variant);
        try {
            GptqConfig q = GptqModels.SETTINGS.get(setting);
            CudaMatchesCpuTest.compare(GptqModels.name(q) + " gptq-variant " + variant, GptqModels.wide(q));
        } finally {
            System.clearProperty(GptqKernels.GPTQ_VARIANT);
        }
    }

    /**
     * One-token group-128 GPTQ steps on gptq_decode.cu's previous shape (-Dinvariant.cuda.gptq-decode-warps=32, kept to
     * compare): each warp's run of rows changes with the warps per block, the values must not.
     */
    @ParameterizedTest
    @ValueSource(ints = {0, 2})  // settings: int8 group 128, int4 group 128
    void gptqDecodePreviousWarps(int setting) {
        compareWith(GptqDecode.WARPS_PROPERTY, String.valueOf(GptqDecode.PREVIOUS_WARPS), GptqModels.SETTINGS.get(setting));
    }

    /**
     * GPTQ mixtures' chosen experts on rows with whole loads, rests, a tail and more groups than the staged tables hold
     * (GptqModels.wideMixture): a block row per pair (gptq_experts_*) and the pairs grouped by expert (gptq_grouped_*), on
     * every step, in each setting of GptqExperts.KERNEL (auto: the default, int8 and the int4 down staged, the rest loads).
     */
    @ParameterizedTest
    @CsvSource({"4, false, staged", "4, true, staged", "4, false, loads", "4, true, loads", "4, false, auto",
        "8, false, staged", "8, true, staged", "8, false, loads", "8, true, auto"})
    void gptqWideMixtures(int bits, boolean grouped, String kernel) {
        Gpu.withProperties(Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.GROUPED, String.valueOf(grouped),
                GptqExperts.KERNEL, kernel), () -> CudaMatchesCpuTest.compare("wide mixture int" + bits
                + (grouped ? " grouped " : " ") + kernel, GptqModels.wideMixture(bits)));
    }

    /** The wide model of setting q compared with the CPU under -Dproperty=value. */
    private static void compareWith(String property, String value, GptqConfig q) {
        System.setProperty(property, value);
        try {
            CudaMatchesCpuTest.compare(GptqModels.name(q) + " " + property + "=" + value, GptqModels.wide(q));
        } finally {
            System.clearProperty(property);
        }
    }

    static java.util.stream.Stream<String> gptqNames() {
        return GptqModels.names();
    }
}
