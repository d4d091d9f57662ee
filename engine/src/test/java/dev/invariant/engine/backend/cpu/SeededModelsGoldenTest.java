package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Gemma;
import dev.invariant.engine.model.HfConfig;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.model.SafetensorsReader;
import dev.invariant.engine.model.SafetensorsWriter;
import dev.invariant.engine.model.SlidingWindow;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.numerics.RopeTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gemma3ForCausalLM, Gemma2ForCausalLM, Olmo2ForCausalLM, Phi3ForCausalLM (q|k|v and gate|up fused, a window that
 * caps the context; also with longrope), Gemma3ForConditionalGeneration (gemma3mm: google's 4B–27B form),
 * Mistral3ForConditionalGeneration (mistral3mm: Mistral Small 3.1's form) and Qwen2_5_VLForConditionalGeneration
 * (qwen25vlmm: its mrope over text), decoded from text, against Hugging Face transformers: hf-reference/NAME.json and the checkpoints they
 * were made from (test resources /models/tiny-NAME), all made by bench/device/reference/hf_seeded.py. Every Gemma case is longer than the sliding window (16), so the sliding layers'
 * window (Gemma 3: and their RoPE base) and the full layers' all count; Gemma 2's scores are capped at 50. GLM-4-0414's
 * four norms (glm4) and mixtures of experts (qwen3moe with a dense layer, qwen2moe with its shared expert, mixtral:
 * the layers transformers built sparse are the engine's) likewise; Gemma 1 (gemma: google's gemma-2b keys, hidden_act
 * gelu, the exact GELU) with one key/value head; ERNIE 4.5 (ernie45: RoPE on interleaved pairs of the whole head);
 * HunYuan (hunyuan: q/k norms after RoPE, an NTK alpha's base); Granite 4.0's dense form (granite4:
 * GraniteMoeHybridForCausalLM, its MLP fused under shared_mlp, its width shared_intermediate_size); GPT-NeoX (gptneox:
 * Pythia's LayerNorms, biases, q|k|v fused per head, a quarter of each head rotated, an ungated exact-GELU MLP in
 * parallel with the attention; gptneox-seq: the same layer in sequence); Phi (phi: Phi-2's form, that parallel layer
 * with one norm for both halves, RoPE on 0.4 of each head, the tanh GELU, lm_head's bias); GPT-2 (gpt2: learned
 * positions, no RoPE, Conv1D projections transposed when read, q|k|v side by side in c_attn's columns); StarCoder2
 * (starcoder2-window: that layer in sequence with RoPE and a window of 24 on every layer that decides tokens);
 * StableLM (stablelm: Llama's gated MLP under LayerNorms, q/k/v biases, RoPE on a quarter of each head).
 */
class SeededModelsGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"gemma3", "gemma2", "olmo2", "gemma3mm", "mistral3mm", "qwen25vlmm", "phi3", "phi3-longrope",
        "phi4mini", "glm", "mistral-window", "phi3-window", "qwen2-window", "smollm3-window", "glm4", "qwen3moe",
        "qwen2moe", "mixtral", "olmoe", "olmo3-window", "exaone4-window", "exaone4", "gemma", "ernie45",
        "hunyuan", "granite4", "gptneox", "gptneox-seq", "phi", "gpt2",
        "starcoder2-window", "stablelm"})
    void decodesAsTransformers(String arch) throws IOException {
        JsonNode ref = TestAssets.reference(arch + ".json");
        try (LoadedModel m = LoadedModel.open("tiny-" + arch, TestAssets.model("tiny-" + arch));
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            // Gemma's and the window checkpoints' cases reach past their window (phi3's stay within its 127)
            int window = m.model().config().slidingWindow().size();
            boolean past = arch.startsWith("gemma2") || arch.startsWith("gemma3") || arch.endsWith("-window");
            boolean decided = false;
            for (JsonNode c : ref.get("cases")) {
                int length = c.get("prompt_ids").size() + c.get("generated_ids").size();
                assertTrue(!past || (window > 0 && length > window), "the case reaches past the window");
                decided |= c.path("first_step_unlike_full_attention").isInt();
            }
            // and the window decided tokens: transformers' full attention chose others
            assertTrue(decided || !arch.endsWith("-window"), "full attention chose the same tokens");
            // the layers transformers built with experts are the engine's sparse ones
            JsonNode built = ref.get("cases").get(0).path("layer_mlp");
            var moe = m.model().config().moe();
            for (int l = 0; l < built.size(); l++) {
                assertEquals(built.get(l).asText().contains("Sparse"), moe != null && moe.sparse(l),
                        "layer " + l + " is " + built.get(l).asText());
            }
            RopeScalingGoldenTest.decodesAsReference(be, ref.get("cases"), arch);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemma3", "gemma2", "olmo2", "gemma3mm", "mistral3mm", "qwen25vlmm", "phi3", "phi3-longrope",
        "phi4mini", "glm", "mistral-window", "phi3-window", "qwen2-window", "smollm3-window", "glm4", "qwen3moe",
        "qwen2moe", "mixtral", "olmoe", "olmo3-window", "exaone4-window", "exaone4", "gemma", "ernie45",
        "hunyuan", "granite4", "gptneox", "gptneox-seq", "phi", "gpt2",
        "starcoder2-window", "stablelm"})
    void theHubsKeysAndTransformersOwnReadAlike(String arch, @TempDir Path dir) throws IOException {
        Path folder = TestAssets.model("tiny-" + arch);
        Files.copy(folder.resolve("config-v5.json"), dir.resolve("config.json"));
        assertEquals(HfConfig.read(folder), HfConfig.read(dir));
    }

    /** The hub's gpt2 stores its tensors without transformers' {@code transformer.} prefix (h.0.*, wte, wpe, ln_f). */
    @Test
    void gpt2UnderTheHubsNamesDecodesAlike(@TempDir Path dir) throws IOException {
        Path saved = TestAssets.model("tiny-gpt2");
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(saved.resolve(f), dir.resolve(f));
        }
        Map<String, Tensor> hub = new TreeMap<>();
        try (SafetensorsReader stored = SafetensorsReader.openFolder(saved)) {
            stored.tensors().forEach((name, t) -> hub.put(name.replaceFirst("^transformer\\.", ""), t));
            assertTrue(hub.containsKey("h.0.attn.c_attn.weight") && hub.containsKey("wpe.weight"), hub.keySet().toString());
            SafetensorsWriter.write(dir.resolve("model.safetensors"), hub);
        }
        try (LoadedModel m = LoadedModel.open("tiny-gpt2", dir);
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            RopeScalingGoldenTest.decodesAsReference(be, TestAssets.reference("gpt2.json").get("cases"),
                    "gpt2 (the hub's names)");
        }
    }

    /** transformers 5 saves Gemma3ForConditionalGeneration's tensors as model.language_model.*, ...: read alike. */
    @Test
    void aMultimodalCheckpointUnderTransformers5sNamesDecodesAlike(@TempDir Path dir) throws IOException {
        Path hub = TestAssets.model("tiny-gemma3mm");
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(hub.resolve(f), dir.resolve(f));
        }
        String[][] renames = {{"language_model.model.", "model.language_model."}, {"vision_tower.", "model.vision_tower."},
            {"multi_modal_projector.", "model.multi_modal_projector."}, {"language_model.lm_head.", "lm_head."}};
        Map<String, Tensor> renamed = new TreeMap<>();
        try (SafetensorsReader stored = SafetensorsReader.openFolder(hub)) {
            stored.tensors().forEach((name, t) -> {
                for (String[] r : renames) {
                    if (name.startsWith(r[0])) {
                        name = r[1] + name.substring(r[0].length());
                        break;
                    }
                }
                renamed.put(name, t);
            });
            assertTrue(renamed.containsKey("model.language_model.embed_tokens.weight"), renamed.keySet().toString());
            assertTrue(renamed.keySet().stream().anyMatch(n -> n.startsWith("model.vision_tower.")), "a vision tower");
            SafetensorsWriter.write(dir.resolve("model.safetensors"), renamed);
        }
        try (LoadedModel m = LoadedModel.open("tiny-gemma3mm", dir);
             CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(2, 16, 64))) {
            RopeScalingGoldenTest.decodesAsReference(be, TestAssets.reference("gemma3mm.json").get("cases"),
                    "gemma3mm (transformers 5's names)");
        }
    }

    /**
     * A config in google/gemma-3-4b-it's form: the text model's keys under text_config, most left out (the heads,
     * head_dim, the vocabulary, the norms' epsilon: Gemma3TextConfig's defaults), the end of turn named at the top.
     */
    @Test
    void gemma3sMultimodalConfigTakesTheTextModelsDefaults(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3",
                 "boi_token_index": 255999, "eoi_token_index": 256000, "eos_token_id": [1, 106],
                 "image_token_index": 262144, "initializer_range": 0.02, "mm_tokens_per_image": 256,
                 "text_config": {"hidden_size": 2560, "intermediate_size": 10240, "model_type": "gemma3_text",
                   "num_hidden_layers": 34, "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                   "sliding_window": 1024},
                 "torch_dtype": "bfloat16",
                 "vision_config": {"hidden_size": 1152, "image_size": 896, "intermediate_size": 4304,
                   "model_type": "siglip_vision_model", "num_attention_heads": 16, "num_hidden_layers": 27,
                   "patch_size": 14, "vision_use_head": false}}""");
        ModelConfig c = HfConfig.read(dir);
        assertEquals(List.of(2560, 10240, 34, 8, 4, 256, 262_208), List.of(c.hiddenSize(), c.intermediateSize(),
                c.numLayers(), c.numHeads(), c.numKvHeads(), c.headDim(), c.vocabSize()));
        assertEquals(1e-6f, c.rmsNormEps());
        assertEquals(131_072, c.maxPositionEmbeddings());
        assertEquals(List.of(1, 106), c.eosTokenIds());
        assertEquals(2, c.bosTokenId());
        assertEquals(RopeScaling.linear(8.0), c.ropeScaling());
        assertEquals(1e6, c.ropeTheta());
        Gemma g = c.gemma();
        assertEquals(1024, c.slidingWindow().size());
        assertEquals(10_000.0, g.localRopeTheta());
        assertEquals(1 / 16f, g.attentionScale());
        assertEquals(0f, g.finalLogitSoftcap());
        assertEquals(List.of(true, true, true, true, true, false), c.slidingWindow().layers().subList(0, 6));
        assertTrue(c.tieWordEmbeddings() && c.qkNorm());
    }

    /** Phi-3's window slides every layer (as Mistral's); Phi3Config's default is none, and so is null. */
    @Test
    void phi3sWindowSlidesEveryLayer(@TempDir Path dir) throws IOException {
        ModelConfig hub = HfConfig.read(TestAssets.model("tiny-phi3"));
        assertEquals(512, hub.maxPositionEmbeddings());
        assertEquals(SlidingWindow.everyLayer(127, 4), hub.slidingWindow());
        assertEquals(Architecture.LLAMA, hub.architecture());
        ObjectNode c = config("tiny-phi3");
        c.remove("sliding_window");
        assertEquals(SlidingWindow.NONE, read(c, dir).slidingWindow());
        c.putNull("sliding_window");
        assertEquals(SlidingWindow.NONE, read(c, dir).slidingWindow());
    }

    /**
     * Phi-3.5's longrope: pair i's frequency divided by short_factor[i], cos and sin times sqrt(1 + ln 4 / ln 512) (a
     * context 4x the original), the context stopped at the original 512 where the long factors would take over.
     */
    @Test
    void longropeWithinItsOriginalContext() {
        ModelConfig c = HfConfig.read(TestAssets.model("tiny-phi3-longrope"));
        assertEquals(512, c.maxPositionEmbeddings());
        assertEquals(RopeScaling.Type.LONGROPE, c.ropeScaling().type());
        assertEquals(List.of(1.0, 1.3, 2.1, 3.7), c.ropeScaling().shortFactors());
        // transformers' attention_scaling for this config, printed on the GPU machine (docs/benchmarks.md 11:07)
        assertEquals(1.1055415967851334, c.ropeScaling().attentionFactor());
        RopeTable rope = RopeTable.of(c);
        rope.ensure(8);
        // numerics.md §7, binary64 in this order, each table value rounded once
        assertEquals(1 / (2.1 * StrictMath.pow(10_000, 4 / 8.0)), rope.invFreq(2));
        assertEquals((float) (StrictMath.cos(7 * rope.invFreq(1)) * 1.1055415967851334), rope.cos(7, 1));
    }

    /** Phi-4-mini's form: RoPE on 6 of each head's 8 dims (partial_rotary_factor 0.75), longrope's 3 short factors. */
    @Test
    void phi4MinisPartialRotary() {
        ModelConfig c = HfConfig.read(TestAssets.model("tiny-phi4mini"));
        assertEquals(0.75, c.ropeScaling().partialRotaryFactor());
        assertEquals(6, c.ropeScaling().rotaryDim(c.headDim()));
        assertEquals(List.of(1.0, 1.9, 3.3), c.ropeScaling().shortFactors());
        assertEquals(512, c.maxPositionEmbeddings());
        assertEquals(SlidingWindow.NONE, c.slidingWindow()); // 4096, longer than the context
        assertTrue(c.tieWordEmbeddings());
        RopeTable rope = RopeTable.of(c);
        rope.ensure(8);
        assertEquals(1 / (3.3 * StrictMath.pow(10_000, 4 / 6.0)), rope.invFreq(2));
        assertEquals(1f, rope.cos(7, 3)); // the passed-through pair: the identity, no attention factor
        assertEquals(0f, rope.sin(7, 3));
    }

    /** GLM-4's form: Qwen2's layer, RoPE on interleaved pairs of half of each head; GlmConfig's defaults. */
    @Test
    void glmsInterleavedHalfRotary(@TempDir Path dir) throws IOException {
        ModelConfig c = HfConfig.read(TestAssets.model("tiny-glm"));
        assertEquals(Architecture.QWEN2, c.architecture());
        assertTrue(c.attentionBias() && c.ropeScaling().interleaved());
        assertEquals(8, c.ropeScaling().rotaryDim(c.headDim()));
        ObjectNode absent = config("tiny-glm");
        absent.remove(List.of("partial_rotary_factor", "head_dim", "max_position_embeddings"));
        absent.put("hidden_size", 1024); // head_dim 128 by GlmConfig's default, not 1024 / 8
        ModelConfig defaults = read(absent, dir);
        assertEquals(128, defaults.headDim());
        assertEquals(64, defaults.ropeScaling().rotaryDim(128));
        assertEquals(131072, defaults.maxPositionEmbeddings());
        ObjectNode noBias = config("tiny-glm");
        noBias.put("attention_bias", false);
        EngineException e = assertThrows(EngineException.class, () -> read(noBias, dir));
        assertTrue(e.getMessage().contains("attention_bias false"), e.getMessage());
    }

    @Test
    void gemma3sValues() {
        ModelConfig hub = HfConfig.read(TestAssets.model("tiny-gemma3"));
        Gemma g = hub.gemma();
        assertEquals(new SlidingWindow(16, List.of(true, true, false, true, true, false)), hub.slidingWindow());
        assertEquals(10_000.0, g.localRopeTheta());
        assertEquals(1e6, hub.ropeTheta());
        assertEquals(30f, g.finalLogitSoftcap());
        assertEquals((float) (1 / Math.sqrt(24)), g.attentionScale(), 1e-7f);
        assertTrue(hub.tieWordEmbeddings() && hub.qkNorm() && !hub.attentionBias());
        assertEquals(0f, g.attnLogitSoftcap());
    }

    /** gemma-2-2b's config has no layer_types and no pattern key: even-numbered layers slide, one RoPE base. */
    @Test
    void gemma2sValues(@TempDir Path dir) throws IOException {
        ModelConfig hub = HfConfig.read(TestAssets.model("tiny-gemma2"));
        Gemma g = hub.gemma();
        assertEquals(List.of(true, false, true, false), hub.slidingWindow().layers());
        assertEquals(10_000.0, g.localRopeTheta());
        assertEquals(10_000.0, hub.ropeTheta());
        assertEquals(50f, g.attnLogitSoftcap());
        assertEquals(30f, g.finalLogitSoftcap());
        assertTrue(hub.tieWordEmbeddings() && !hub.qkNorm() && !hub.attentionBias());
        // the caps: absent means Gemma2Config's defaults, null means none
        ObjectNode c = config("tiny-gemma2");
        c.remove("attn_logit_softcapping");
        c.putNull("final_logit_softcapping");
        Gemma edited = read(c, dir).gemma();
        assertEquals(50f, edited.attnLogitSoftcap());
        assertEquals(0f, edited.finalLogitSoftcap());
    }

    @Test
    void withoutLayerTypesEverySixthLayerIsFull(@TempDir Path dir) throws IOException {
        ObjectNode c = config("tiny-gemma3");
        c.remove("layer_types");
        c.put("num_hidden_layers", 12);
        assertEquals(List.of(true, true, true, true, true, false, true, true, true, true, true, false),
                read(c, dir).slidingWindow().layers());
        c.put("sliding_window_pattern", 2);
        assertEquals(List.of(true, false, true, false, true, false, true, false, true, false, true, false),
                read(c, dir).slidingWindow().layers());
    }

    @Test
    void whatTheEngineWouldComputeOtherwiseIsRefusedByName(@TempDir Path dir) throws IOException {
        String[][] cases = {
            {"hidden_activation", "\"gelu\""}, {"attn_logit_softcapping", "50.0"},
            {"use_bidirectional_attention", "true"}, {"attention_bias", "true"}, {"sliding_window", "0"},
        };
        for (String[] kv : cases) {
            ObjectNode c = config("tiny-gemma3");
            c.set(kv[0], new ObjectMapper().readTree(kv[1]));
            EngineException e = assertThrows(EngineException.class, () -> read(c, dir), kv[0]);
            assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
        }
    }

    private static ObjectNode config(String model) throws IOException {
        return (ObjectNode) new ObjectMapper().readTree(TestAssets.model(model).resolve("config.json").toFile());
    }

    private static ModelConfig read(ObjectNode config, Path dir) throws IOException {
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
        return HfConfig.read(dir);
    }
}
