package dev.invariant.engine.model.synthetic;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.gptq.GptqConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named model shape for synthetic weights. Shapes follow the real models' config.json; token ids
 * 256/257 are BOS/EOS because synthetic models pair with the byte-level tokenizer (bytes 0..255, then
 * specials). Rope scaling of the real models is not part of a preset. A preset with {@code gptq} settings is a GPTQ
 * checkpoint of that shape: its projections are packed as AutoGPTQ writes them ({@link GptqGenerator}), the other
 * tensors (embeddings, norms, biases, lm_head) dense in the model's dtype.
 */
public record SyntheticPreset(String name, String description, ModelConfig config, GptqConfig gptq) {

    private static final List<Integer> EOS = List.of(257);
    private static final int BOS = 256;

    private static final Map<String, SyntheticPreset> PRESETS = new LinkedHashMap<>();

    static {
        add("tiny", "Llama layout, hidden 64, 2 layers, tied (fast tests)",
                new ModelConfig(Architecture.LLAMA, 64, 128, 2, 4, 2, 16, 512, 512, 1e4, 1e-5f,
                        true, false, false, BOS, EOS));
        add("tiny-qwen2", "Qwen2 layout, hidden 64, 2 layers, qkv bias, tied (fast tests)",
                new ModelConfig(Architecture.QWEN2, 64, 128, 2, 4, 2, 16, 512, 2048, 1e6, 1e-6f,
                        true, true, false, BOS, EOS));
        add("tiny-qwen3", "Qwen3 layout, hidden 64, 2 layers, head_dim 32, q/k norm, untied (fast tests)",
                new ModelConfig(Architecture.QWEN3, 64, 128, 2, 4, 2, 32, 512, 2048, 1e6, 1e-6f,
                        false, false, true, BOS, EOS));
        // Mixtures of experts for tests: Qwen3-MoE's form (8 experts of 32, 2 a token, renormalised; layer 1 dense)
        // and Qwen2-MoE's (a shared expert of 48 gated by a sigmoid, weights as the softmax gives them)
        add("tiny-qwen3-moe", "Qwen3-MoE layout, hidden 64, 3 layers (layer 1 dense), 8 experts of 32, 2 a token",
                new ModelConfig(Architecture.QWEN3, 64, 128, 3, 4, 2, 32, 512, 2048, 1e6, 1e-6f, false, false,
                        true, BOS, EOS).withMoe(new Moe(8, 2, 32, true, 0, List.of(true, false, true))));
        add("tiny-qwen2-moe", "Qwen2-MoE layout, hidden 64, 2 layers, 8 experts of 32, 2 a token, a shared expert",
                PRESETS.get("tiny-qwen2").config().withMoe(new Moe(8, 2, 32, false, 48, List.of(true, true))));
        add("smollm2-135m", "SmolLM2-135M layout (Llama, 30 layers, hidden 576, tied)",
                new ModelConfig(Architecture.LLAMA, 576, 1536, 30, 9, 3, 64, 49152, 8192, 1e5, 1e-5f,
                        true, false, false, BOS, EOS));
        add("qwen2.5-0.5b", "Qwen2.5-0.5B layout (Qwen2, 24 layers, hidden 896, tied, qkv bias)",
                new ModelConfig(Architecture.QWEN2, 896, 4864, 24, 14, 2, 64, 151936, 32768, 1e6, 1e-6f,
                        true, true, false, BOS, EOS));
        add("qwen3-0.6b", "Qwen3-0.6B layout (28 layers, hidden 1024, head_dim 128, tied)",
                new ModelConfig(Architecture.QWEN3, 1024, 3072, 28, 16, 8, 128, 151936, 40960, 1e6, 1e-6f,
                        true, false, true, BOS, EOS));
        add("llama3.2-1b", "Llama-3.2-1B layout (16 layers, hidden 2048, tied; no rope scaling)",
                new ModelConfig(Architecture.LLAMA, 2048, 8192, 16, 32, 8, 64, 128256, 131072, 5e5, 1e-5f,
                        true, false, false, BOS, EOS));
        add("qwen1.5-14b", "Qwen1.5-14B layout (Qwen2, 40 layers, hidden 5120, untied, qkv bias)",
                new ModelConfig(Architecture.QWEN2, 5120, 13696, 40, 40, 40, 128, 152064, 32768, 1e6, 1e-6f,
                        false, true, false, BOS, EOS));
        // Qwen/Qwen1.5-MoE-A2.7B's shape: 60 experts of 1408 (4 a token) and a shared expert of 5632 in every layer
        add("qwen1.5-moe-a2.7b", "Qwen1.5-MoE-A2.7B layout (Qwen2-MoE, 24 layers, hidden 2048, 60 experts of 1408, 4 a"
                + " token, a shared expert of 5632, untied)",
                new ModelConfig(Architecture.QWEN2, 2048, 5632, 24, 16, 16, 128, 151936, 8192, 1e6, 1e-6f,
                        false, true, false, BOS, EOS).withMoe(new Moe(60, 4, 1408, false, 5632,
                        java.util.Collections.nCopies(24, true))));
        // The seed report's model (Qwen/Qwen1.5-14B-Chat-GPTQ-Int8's quantize_config: bits 8, group 128, sym, no act-order)
        ModelConfig qwen14 = PRESETS.get("qwen1.5-14b").config();
        gptq("qwen1.5-14b-gptq-int8", "Qwen1.5-14B layout, GPTQ int8, group 128, sym (the seed report's model)",
                qwen14, new GptqConfig(8, 128, false, true, false));
        gptq("qwen1.5-14b-gptq-int4", "Qwen1.5-14B layout, GPTQ int4, group 128, sym",
                qwen14, new GptqConfig(4, 128, false, true, false));
        // The seed report's model scaled to a CPU (replay-seed-report on a CPU): Qwen1.5's vocabulary, positions and
        // quantisation, 4 layers of hidden 512.
        gptq("qwen1.5-small-gptq-int8", "Qwen1.5 layout scaled down (Qwen2, 4 layers, hidden 512, vocab 152064),"
                + " GPTQ int8, group 128, sym (the seed report's quantisation, CPU-sized)",
                new ModelConfig(Architecture.QWEN2, 512, 1408, 4, 8, 8, 64, 152064, 32768, 1e6, 1e-6f,
                        false, true, false, BOS, EOS), new GptqConfig(8, 128, false, true, false));
                // Small GPTQ checkpoints for tests: act-order (permuted g_idx), group sizes 32 / 128 / -1, asymmetric zeros.
        ModelConfig tinyQ = new ModelConfig(Architecture.QWEN2, 128, 256, 2, 4, 2, 32, 512, 2048, 1e6, 1e-6f,
                false, true, false, BOS, EOS);
        gptq("tiny-gptq-int8", "Qwen2 layout, hidden 128, 2 layers, GPTQ int8, group 32, desc_act (fast tests)",
                tinyQ, new GptqConfig(8, 32, true, true, false));
        gptq("tiny-gptq-int4", "Qwen2 layout, hidden 128, 2 layers, GPTQ int4, group 128, asymmetric (fast tests)",
                tinyQ, new GptqConfig(4, 128, false, false, false));
        gptq("tiny-gptq-int4-g-1", "Qwen2 layout, hidden 128, 2 layers, GPTQ int4, one group per column (fast tests)",
                tinyQ, new GptqConfig(4, -1, false, true, false));
        // GPTQ mixtures (Qwen1.5-MoE-A2.7B-Chat-GPTQ-Int4's form): the experts and the shared expert packed, the
        // router and the shared expert's gate dense
        gptq("qwen1.5-moe-a2.7b-gptq-int4", "Qwen1.5-MoE-A2.7B layout, GPTQ int4, group 128, sym (a"
                + " GPTQ mixture of its size)", PRESETS.get("qwen1.5-moe-a2.7b").config(),
                new GptqConfig(4, 128, false, true, false));
        gptq("qwen1.5-moe-a2.7b-gptq-int8", "Qwen1.5-MoE-A2.7B layout, GPTQ int8, group 128, sym (a"
                + " GPTQ mixture of its size)", PRESETS.get("qwen1.5-moe-a2.7b").config(),
                new GptqConfig(8, 128, false, true, false));
        gptq("tiny-qwen2-moe-gptq-int4", "Qwen2-MoE layout, hidden 64, 2 layers, 8 experts of 32, 2 a token, a shared"
                + " expert, GPTQ int4, group 32, asymmetric (fast tests)",
                PRESETS.get("tiny-qwen2-moe").config(), new GptqConfig(4, 32, false, false, false));
        gptq("tiny-qwen3-moe-gptq-int8", "Qwen3-MoE layout, hidden 64, 3 layers (layer 1 dense), 8 experts of 32, 2 a"
                + " token, GPTQ int8, group 32, desc_act (fast tests)",
                PRESETS.get("tiny-qwen3-moe").config(), new GptqConfig(8, 32, true, true, false));
    }

    private static void add(String name, String description, ModelConfig config) {
        PRESETS.put(name, new SyntheticPreset(name, description, config, null));
    }

    private static void gptq(String name, String description, ModelConfig config, GptqConfig gptq) {
        PRESETS.put(name, new SyntheticPreset(name, description, config, gptq));
    }

    /** All presets, in a stable order. */
    public static List<SyntheticPreset> all() {
        return List.copyOf(PRESETS.values());
    }

    /** The preset called {@code name}; UNKNOWN_MODEL listing the known ones otherwise. */
    public static SyntheticPreset named(String name) {
        SyntheticPreset p = PRESETS.get(name);
        if (p == null) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "unknown synthetic preset '" + name
                    + "': use synthetic:NAME[@bf16|@f32] with NAME one of " + String.join(", ", PRESETS.keySet()));
        }
        return p;
    }

    /** Parameters in all, counted from the dense tensor layout (a GPTQ preset has as many, packed). */
    public long parameterCount() {
        return TensorLayout.of(config).stream().mapToLong(TensorLayout.Entry::elementCount).sum();
    }
}
