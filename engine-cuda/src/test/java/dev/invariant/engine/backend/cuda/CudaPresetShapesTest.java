package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer shapes of published models a user is likely to bring (the synthetic presets), two layers each with the
 * real vocabulary, CUDA logits bits against the CPU's ({@link CudaMatchesCpuTest#compare}): SmolLM2-135M (hidden
 * 576, 9 query heads over 3 KV heads: a group of three), Qwen3-0.6B (16 over 8 heads of 128 with q/k norm on rows of
 * 128, queries twice as wide as the hidden state) and Llama-3.2-1B (hidden 2,048, 32 over 8 heads, FFN 8,192, a
 * vocabulary of 128,256; with its published RoPE scaling, llama3 factor 32, on heads of 64). The shared models and
 * the shapes of {@link CudaMatchesCpuTest} have none of these.
 */
class CudaPresetShapesTest {
    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    @ParameterizedTest
    @CsvSource({"smollm2-135m, FP32", "qwen3-0.6b, FP32", "qwen3-0.6b, FP8_E4M3", "llama3.2-1b, FP32",
            "llama3.2-1b, BF16"})
    void presetLayers(String preset, KvCacheDtype kv) {
        // Llama-3.2-1B's config.json: rope_scaling llama3, factor 32, low 1, high 4, original 8,192 positions
        RopeScaling rope = preset.startsWith("llama3") ? RopeScaling.llama3(32, 1, 4, 8192) : RopeScaling.NONE;
        CudaMatchesCpuTest.synthetic(twoLayers(SyntheticPreset.named(preset).config(), rope), kv);
    }

    /** {@code c} with two layers and {@code rope}, everything else as it is. */
    static ModelConfig twoLayers(ModelConfig c, RopeScaling rope) {
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), 2, c.numHeads(),
                c.numKvHeads(), c.headDim(), c.vocabSize(), c.maxPositionEmbeddings(), c.ropeTheta(), c.rmsNormEps(),
                c.tieWordEmbeddings(), c.attentionBias(), c.qkNorm(), c.bosTokenId(), c.eosTokenIds(), rope,
                c.slidingWindow());
    }
}
