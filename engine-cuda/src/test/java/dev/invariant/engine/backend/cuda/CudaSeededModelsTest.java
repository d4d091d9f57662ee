package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.backend.cpu.LoadedModel;
import dev.invariant.engine.kv.KvCacheDtype;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gemma 2, Gemma 3, OLMo 2, Phi-3 and the other sliding windows on the GPU (the seeded checkpoints of SeededModelsGoldenTest, whose CPU decode is
 * transformers': sliding layers with a window of 16, Gemma 3's second RoPE base and q/k norms, Gemma 2's score cap,
 * both final caps, the (1 + w) norms, the norms of the sublayers' outputs, GELU, the scaled embeddings; OLMo 2's q/k
 * norms over the whole projection and its unnormed sublayer inputs): the CUDA backend's logits have the CPU's bits
 * over a 150-token prompt, so every sliding layer cuts its window inside a split and leaves whole splits out,
 * prefilled whole or in chunks, decoded, with companions; on each attention kernel's path.
 */
class CudaSeededModelsTest {
    private static final int PROMPT = 150;

    @BeforeAll
    static void gpu() {
        Gpu.assume();
    }

    /** attention_decode.cu for steps of few tokens (the merge in its last block), attention.cu's one pass for prefill. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-gemma3", "tiny-gemma2", "tiny-olmo2"})
    void logitsBitsAreTheCpus(String name) {
        compare(name, KvCacheDtype.FP32, PROMPT);
    }

    /**
     * Checkpoints read through other names: Phi-3's projections split from its fused q|k|v and gate|up matrices (views
     * of the stored rows), with its window of 127 (crossed) or with longrope (the short factors and the attention factor
     * in the uploaded table; Phi-4-mini's on 6 of 8 dims, its q and k rows reordered), GLM-4's RoPE on interleaved pairs
     * of half of each head (q's and k's rows and biases reordered; GLM-4-0414's with its four norms), Gemma 3 in google's 4B form (no final cap), Mistral in Mistral Small 3.1's, Qwen2 in
     * Qwen2.5-VL's; ERNIE 4.5's interleaved pairs over the whole head, Granite 4.0's dense MLP fused under shared_mlp;
     * and the architectures whose own steps these kernels share: EXAONE 4 (OLMo 2's norms, Qwen3's q/k norms, SmolLM3's
     * NoPE layers), Gemma 1 (the exact GELU, gelu_erf_mul), HunYuan (its q/k norms after RoPE, rope_kv.cu's _after
     * kernels, and its NTK alpha's RoPE base in the table); and GPT-NeoX (parallel and in sequence) and Phi, whose
     * LayerNorms, biases, ungated MLP and parallel residual are CudaGptLayer's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-phi3", "tiny-phi3-longrope", "tiny-phi4mini", "tiny-glm", "tiny-glm4",
        "tiny-gemma3mm", "tiny-mistral3mm", "tiny-qwen25vlmm", "tiny-ernie45", "tiny-granite4", "tiny-exaone4",
        "tiny-gemma", "tiny-hunyuan", "tiny-gptneox", "tiny-gptneox-seq", "tiny-phi"})
    void fusedAndMultimodalCheckpoints(String name) {
        compare(name, KvCacheDtype.FP32, PROMPT);
    }

    /**
     * Windows of 24 outside Gemma: Mistral's and Phi-3's on every layer, Qwen2's from max_window_layers on, SmolLM3's on
     * its NoPE layers (the identity's RoPE table and a window in one layer), OLMo 3's on three layers of four with
     * YaRN on the full one only (the sliding layers' own unscaled table).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-mistral-window", "tiny-phi3-window", "tiny-qwen2-window", "tiny-smollm3-window",
        "tiny-olmo3-window", "tiny-exaone4-window"})
    void slidingWindowCheckpoints(String name) {
        compare(name, KvCacheDtype.FP32, PROMPT);
    }

    /**
     * Mixtures of experts: Qwen3-MoE's form with a dense layer among the sparse ones, Qwen2-MoE's with its gated shared
     * expert (synthetic presets, and the seeded checkpoints transformers decoded, with Mixtral's); each token's route,
     * its experts' sum and the residual add the CPU's bits.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen3-moe", "tiny-qwen2-moe", "tiny-qwen3moe", "tiny-qwen2moe", "tiny-mixtral",
        "tiny-olmoe"})
    void mixturesOfExperts(String name) {
        compare(name, KvCacheDtype.FP32, PROMPT);
    }

    /**
     * Each path of a sparse layer on every step: the experts each token chose, a block row per pair (matvec_experts,
     * picked on the device from the route's list), every pair's rows streamed (experts_stream) or grouped by expert
     * (moe_group, matvec_grouped; grouped-scan: moe_group_scan's groups), prefill included;
     * and every expert over every token, decode included. GPTQ mixtures alike, packed (gptq_experts_*, gptq_grouped_*;
     * no streaming: the chosen kernels run there).
     */
    @ParameterizedTest
    @ValueSource(strings = {"chosen", "streamed", "grouped", "grouped-scan", "all"})
    void mixturesOfExpertsEachPath(String path) {
        Map<String, String> properties = switch (path) {
            case "chosen" -> Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.GROUPED, "false", MoeKernels.STREAM,
                    "false");
            case "streamed" -> Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.GROUPED, "false", MoeKernels.STREAM,
                    "true");
            case "grouped" -> Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.GROUPED, "true");
            case "grouped-scan" -> Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.GROUPED, "true", MoeKernels.GROUP,
                    "scan");
            default -> Map.of(MoeKernels.EXPERTS, "all");
        };
        Gpu.withProperties(properties, () -> {
            compare("tiny-qwen2-moe " + path, KvCacheDtype.FP32, PROMPT);
            compare("tiny-mixtral " + path, KvCacheDtype.FP32, PROMPT);
            compare("tiny-qwen2-moe-gptq-int4 " + path, KvCacheDtype.FP32, PROMPT);
            compare("tiny-qwen3-moe-gptq-int8 " + path, KvCacheDtype.FP32, PROMPT);
        });
    }

    /**
     * The chosen experts each normalising their input, not reading x' normed once (moe-norm-first=false), a block row
     * per pair and grouped.
     */
    @Test
    void chosenExpertsNormingTheirInput() {
        Gpu.withProperties(Map.of(MoeKernels.EXPERTS, "chosen", MoeKernels.NORM_FIRST, "false", MoeKernels.GROUPED,
                "false"), () -> {
            compare("tiny-qwen2-moe unnormed", KvCacheDtype.FP32, PROMPT);
            Gpu.withProperties(Map.of(MoeKernels.GROUPED, "true"),
                    () -> compare("tiny-qwen2-moe unnormed-grouped", KvCacheDtype.FP32, PROMPT));
        });
    }

    /**
     * attention.cu on every step, decode included: one pass over 150 positions, and its two-pass path over 300 (5
     * splits, 4 slots), where a sliding layer's second pass starts at its window's split.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-gemma3", "tiny-gemma2"})
    void attentionCuOnEveryStepBothPasses(String name) {
        Gpu.withProperties(Map.of(AttentionKernels.DECODE_ATTENTION, "false", AttentionKernels.ATTENTION_SLOTS, "4"),
                () -> {
                    compare(name + " attention.cu", KvCacheDtype.FP32, PROMPT);
                    compare(name + " attention.cu two passes", KvCacheDtype.FP32, 300);
                });
    }

    /** attention_merge as a kernel of its own after attention_splits' records. */
    @Test
    void mergeAsItsOwnKernel() {
        Gpu.withProperties(Map.of(AttentionKernels.MERGE_IN_SPLITS, "false"),
                () -> compare("tiny-gemma2 merge", KvCacheDtype.FP32, PROMPT));
    }

    /** Narrow KV caches: each key and value rounded to the stored dtype and widened back, on both backends. */
    @ParameterizedTest
    @EnumSource(value = KvCacheDtype.class, names = {"BF16", "FP8_E4M3"})
    void narrowKvCache(KvCacheDtype kv) {
        compare("tiny-gemma3", kv, PROMPT);
        compare("tiny-olmo2", kv, PROMPT);
    }

    private static void compare(String what, KvCacheDtype kv, int prompt) {
        String name = what.split(" ")[0];
        try (LoadedModel m = LoadedModel.open(name)) {
            CudaMatchesCpuTest.compare(what, m.model(), prompt, kv);
        }
    }
}
