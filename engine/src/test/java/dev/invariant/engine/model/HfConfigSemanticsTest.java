package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** config.json keys that change what transformers computes: read as it reads them, or refused naming key and value. */
class HfConfigSemanticsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LLAMA3 = "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0,"
            + " \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 16";

    @TempDir
    Path dir;
    private int copies;

    /** A shared model's config.json with {@code edit} applied and the keys {@code drop} removed, read by HfConfig. */
    private ModelConfig read(String model, String edit, String... drop) throws IOException {
        Path copy = TestAssets.editedCopy(model, JSON.readTree(edit), Files.createDirectory(dir.resolve("m" + copies++)));
        ObjectNode c = (ObjectNode) JSON.readTree(copy.resolve("config.json").toFile());
        c.remove(List.of(drop));
        JSON.writeValue(copy.resolve("config.json").toFile(), c);
        return HfConfig.read(copy);
    }

    private ModelConfig read(String edit) throws IOException {
        return read("stories260K", edit);
    }

    private String refused(String model, String edit) {
        EngineException e = assertThrows(EngineException.class, () -> read(model, edit), edit);
        assertEquals(ErrorCode.MODEL_FORMAT, e.code(), e.getMessage());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + p + "' not in: " + message);
    }

    @Test
    void withoutMaxPositionEmbeddingsEachArchitectureTakesTransformersDefault() throws IOException {
        assertEquals(2048, read("stories260K", "{}", "max_position_embeddings").maxPositionEmbeddings());
        assertEquals(131072, read("stories260K", "{\"architectures\": [\"MistralForCausalLM\"],"
                + " \"sliding_window\": null}", "max_position_embeddings").maxPositionEmbeddings());
        assertEquals(32768, read("tiny-qwen2", "{}", "max_position_embeddings").maxPositionEmbeddings());
        assertEquals(32768, read("tiny-qwen3", "{}", "max_position_embeddings").maxPositionEmbeddings());
    }

    @Test
    void bothRopeSpellingsParseToTheSameScaling() throws IOException {
        ModelConfig nested = read("{\"rope_parameters\": " + LLAMA3 + ", \"rope_theta\": 5e5}}");
        ModelConfig legacy = read("{\"rope_theta\": 5e5, \"rope_scaling\": " + LLAMA3 + "}}");
        assertEquals(RopeScaling.llama3(8, 1, 4, 16), nested.ropeScaling());
        assertEquals(nested.ropeScaling(), legacy.ropeScaling());
        assertEquals(5e5, nested.ropeTheta());
        assertEquals(5e5, legacy.ropeTheta());
        ModelConfig linear = read("{\"rope_parameters\": {\"rope_type\": \"linear\", \"factor\": 4}}");
        ModelConfig oldType = read("{\"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}}");
        assertEquals(RopeScaling.linear(4), linear.ropeScaling());
        assertEquals(linear.ropeScaling(), oldType.ropeScaling());
        assertEquals(10000.0, oldType.ropeTheta());
        assertEquals(RopeScaling.NONE, read("{}").ropeScaling());
    }

    @Test
    void llama3OriginalContextDefaultsAsTransformers5() throws IOException {
        String noOriginal = "{\"rope_type\": \"llama3\", \"factor\": 8, \"low_freq_factor\": 1, \"high_freq_factor\": 4}";
        assertEquals(512, read("{\"rope_parameters\": " + noOriginal + "}").ropeScaling().originalMaxPositions());
        assertEquals(64, read("{\"rope_parameters\": " + LLAMA3 + "}, \"original_max_position_embeddings\": 64}")
                .ropeScaling().originalMaxPositions());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "ntk", "su"})
    void otherRopeTypesAreRefused(String type) {
        String m = refused("stories260K", "{\"rope_parameters\": {\"rope_type\": \"" + type + "\", \"factor\": 2.0}}");
        assertMentions(m, "rope_type '" + type + "'", "default, linear, llama3, longrope and yarn");
        assertMentions(refused("stories260K", "{\"rope_scaling\": {\"type\": \"" + type + "\", \"factor\": 2}}"),
                "rope_scaling type '" + type + "'");
    }

    /**
     * yarn as Qwen2.5 documents it (factor 4 over an original 32768: the context becomes 131072), its attention factor
     * 0.1 ln 4 + 1 unless given, DeepSeek's mscale ratio, and its defaults (beta_fast 32, beta_slow 1, truncate).
     */
    @Test
    void yarnReadsAsTransformers5() throws IOException {
        RopeScaling qwen = read("{\"max_position_embeddings\": 32768, \"rope_scaling\": {\"type\": \"yarn\","
                + " \"factor\": 4.0, \"original_max_position_embeddings\": 32768}}").ropeScaling();
        assertEquals(RopeScaling.yarn(4, 32, 1, 32768, 0.1 * StrictMath.log(4) + 1, true), qwen);
        ModelConfig c = read("{\"max_position_embeddings\": 32768, \"rope_scaling\": {\"type\": \"yarn\","
                + " \"factor\": 4.0, \"original_max_position_embeddings\": 32768}}");
        assertEquals(131072, c.maxPositionEmbeddings());
        RopeScaling deepSeek = read("{\"rope_parameters\": {\"rope_type\": \"yarn\", \"factor\": 40,"
                + " \"original_max_position_embeddings\": 64, \"mscale\": 1.0, \"mscale_all_dim\": 0.707,"
                + " \"beta_fast\": 16, \"truncate\": false}}").ropeScaling();
        assertEquals((0.1 * StrictMath.log(40) + 1) / (0.1 * 0.707 * StrictMath.log(40) + 1),
                deepSeek.attentionFactor());
        assertEquals(16, deepSeek.betaFast());
        assertEquals(1, deepSeek.betaSlow());
        assertEquals(false, deepSeek.truncate());
        // no factor: max_position_embeddings over the original context
        assertEquals(4.0, read("{\"rope_parameters\": {\"rope_type\": \"yarn\","
                + " \"original_max_position_embeddings\": 128}}").ropeScaling().factor());
    }

    /** longrope needs its short factors, one per rotated pair (stories260K: head_dim 8, so 4). */
    @Test
    void longropeWithoutItsShortFactorsIsRefused() {
        assertMentions(refused("stories260K", "{\"rope_scaling\": {\"type\": \"longrope\", \"factor\": 2}}"),
                "'short_factor' must be a list of numbers");
        assertMentions(refused("stories260K", "{\"rope_scaling\": {\"type\": \"longrope\","
                + " \"short_factor\": [1.0, 2.0]}}"), "short_factor has 2 entries, the rotated dims / 2 = 4 needed");
    }

    @Test
    void incompleteOrOddRopeParametersAreRefused() {
        assertMentions(refused("stories260K", "{\"rope_parameters\": {\"rope_type\": \"linear\"}}"), "'factor'",
                "linear");
        assertMentions(refused("stories260K", "{\"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8}}"),
                "'low_freq_factor'");
        assertMentions(refused("stories260K", "{\"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8,"
                + " \"low_freq_factor\": 4, \"high_freq_factor\": 1}}"), "high_freq_factor");
        assertMentions(refused("stories260K", "{\"partial_rotary_factor\": 0.5}"), "partial_rotary_factor 0.5",
                "Phi3ForCausalLM");
        assertMentions(refused("stories260K", "{\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"}}}"),
                "per layer type");
    }

    @Test
    void hiddenActOtherThanSiluIsRefused() throws IOException {
        assertMentions(refused("stories260K", "{\"hidden_act\": \"gelu_pytorch_tanh\"}"), "hidden_act",
                "\"gelu_pytorch_tanh\"");
        assertMentions(refused("tiny-qwen2", "{\"hidden_act\": \"relu\"}"), "hidden_act", "\"relu\"");
        read("{\"hidden_act\": \"swish\"}");
        read("stories260K", "{}", "hidden_act"); // transformers' default: silu
    }

    @Test
    void biasesTransformersWouldAddAreRefused() throws IOException {
        assertMentions(refused("stories260K", "{\"mlp_bias\": true}"), "mlp_bias true");
        assertMentions(refused("stories260K", "{\"attention_bias\": true}"), "attention_bias true", "o_proj");
        assertMentions(refused("tiny-qwen3", "{\"attention_bias\": true}"), "attention_bias true");
        // MistralMLP/MistralAttention and Qwen2's modules have no switch: transformers ignores the keys
        ModelConfig mistral = read("{\"architectures\": [\"MistralForCausalLM\"], \"sliding_window\": null,"
                + " \"mlp_bias\": true, \"attention_bias\": true}");
        assertEquals(false, mistral.attentionBias());
        assertEquals(true, read("tiny-qwen2", "{\"mlp_bias\": true, \"attention_bias\": false}").attentionBias());
        // inference ignores them in transformers too
        read("{\"attention_dropout\": 0.1, \"pretraining_tp\": 2}");
    }

    @Test
    void mistralRunsAsLlamaEveryLayerThroughItsWindow() throws IOException {
        String mistral = "{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\"";
        ModelConfig none = read(mistral + ", \"sliding_window\": null}");
        assertEquals(Architecture.LLAMA, none.architecture());
        assertEquals(512, none.maxPositionEmbeddings());
        assertEquals(SlidingWindow.NONE, none.slidingWindow());
        // a window no shorter than the context is full attention for every sequence the model takes
        assertEquals(SlidingWindow.NONE, read(mistral + ", \"sliding_window\": 512}").slidingWindow());
        ModelConfig narrow = read(mistral + ", \"sliding_window\": 128}");
        assertEquals(512, narrow.maxPositionEmbeddings());
        assertEquals(SlidingWindow.everyLayer(128, narrow.numLayers()), narrow.slidingWindow());
        assertEquals(0, narrow.slidingWindow().firstKey(0, 127));
        assertEquals(1, narrow.slidingWindow().firstKey(4, 128));
        // absent is MistralConfig's default window, 4096 (Mistral-7B-v0.1's)
        ModelConfig absent = read(mistral + ", \"max_position_embeddings\": 32768}");
        assertEquals(32768, absent.maxPositionEmbeddings());
        assertEquals(4096, absent.slidingWindow().size());
        assertMentions(refused("stories260K", mistral + ", \"sliding_window\": 0}"), "sliding_window");
    }

    @Test
    void qwensWindowSlidesOnlyTheMarkedLayers() throws IOException {
        // tiny-qwen2 lists layer_types (both full_attention): no layer slides whatever the flag says
        assertEquals(SlidingWindow.NONE, read("tiny-qwen2", "{\"use_sliding_window\": true, \"sliding_window\": 256}")
                .slidingWindow());
        ModelConfig slides = read("tiny-qwen2", "{\"use_sliding_window\": true, \"sliding_window\": 256,"
                + " \"layer_types\": [\"full_attention\", \"sliding_attention\"]}");
        assertEquals(32768, slides.maxPositionEmbeddings());
        assertEquals(new SlidingWindow(256, List.of(false, true)), slides.slidingWindow());
        ModelConfig byLayerCount = read("tiny-qwen3", "{\"use_sliding_window\": true, \"sliding_window\": 300,"
                + " \"layer_types\": null, \"max_window_layers\": 1}");
        assertEquals(new SlidingWindow(300, List.of(false, true)), byLayerCount.slidingWindow());
        assertEquals(SlidingWindow.NONE, read("tiny-qwen3", "{\"use_sliding_window\": true, \"sliding_window\": 300,"
                + " \"layer_types\": null}").slidingWindow()); // max_window_layers 28 >= 2 layers
        assertEquals(SlidingWindow.NONE, read("tiny-qwen2", "{\"use_sliding_window\": false, \"sliding_window\": 256,"
                + " \"layer_types\": null, \"max_window_layers\": 0}").slidingWindow());
        assertMentions(refused("tiny-qwen2", "{\"use_sliding_window\": true, \"sliding_window\": 256,"
                + " \"layer_types\": [\"full_attention\", \"chunked_attention\"]}"), "chunked_attention");
    }

    /** SmolLM3: with use_sliding_window and a window, its NoPE layers slide unless layer_types says otherwise. */
    @Test
    void smolLm3sWindowSlidesItsNoPeLayers() throws IOException {
        String smol = "{\"architectures\": [\"SmolLM3ForCausalLM\"], \"model_type\": \"smollm3\","
                + " \"no_rope_layer_interval\": 2, \"use_sliding_window\": true";
        assertEquals(new SlidingWindow(64, List.of(false, true, false, true, false)),
                read(smol + ", \"sliding_window\": 64}").slidingWindow());
        assertEquals(SlidingWindow.NONE, read(smol + "}").slidingWindow()); // SmolLM3Config's default: none
    }

    /** OLMo 3: OLMo 2's layer; by default every layer but each fourth slides, over 4096 keys unless set or null. */
    @Test
    void olmo3IsOlmo2WithItsWindowOnTheMarkedLayers() throws IOException {
        String olmo3 = "{\"architectures\": [\"Olmo3ForCausalLM\"], \"model_type\": \"olmo3\"";
        ModelConfig byDefault = read(olmo3 + ", \"sliding_window\": 100}");
        assertEquals(Architecture.OLMO2, byDefault.architecture());
        assertEquals(true, byDefault.qkNorm());
        assertEquals(new SlidingWindow(100, List.of(true, true, true, false, true)), byDefault.slidingWindow());
        assertEquals(new SlidingWindow(64, List.of(false, true, false, true, true)), read(olmo3 + ", \"sliding_window\":"
                + " 64, \"layer_types\": [\"full_attention\", \"sliding_attention\", \"full_attention\","
                + " \"sliding_attention\", \"sliding_attention\"]}").slidingWindow());
        assertEquals(SlidingWindow.NONE, read(olmo3 + ", \"sliding_window\": null}").slidingWindow());
        // absent: Olmo3Config's 4096, no shorter than stories260K's 512 positions, so full attention
        assertEquals(SlidingWindow.NONE, read(olmo3 + "}").slidingWindow());
        assertEquals(4096, read(olmo3 + ", \"max_position_embeddings\": 8192}").slidingWindow().size());
        assertMentions(refused("stories260K", olmo3 + ", \"use_sinks\": true}"), "use_sinks", "Olmo3ForCausalLM");
        assertMentions(refused("stories260K", olmo3 + ", \"attention_bias\": true}"), "attention_bias");
    }

    /**
     * OLMo 3 scales only its full layers' RoPE: the sliding ones rotate by the default RoPE of the same base, in the
     * hub's form (rope_scaling) and transformers 5's (rope_parameters per layer type) alike; a form the engine
     * cannot compute is refused. Gemma's sliding layers have their own table too; Qwen2's windowed layers do not.
     */
    @Test
    void olmo3sSlidingLayersRotateUnscaled() throws IOException {
        String olmo3 = "{\"architectures\": [\"Olmo3ForCausalLM\"], \"model_type\": \"olmo3\", \"sliding_window\": 100";
        String yarn = "\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 128";
        ModelConfig hub = read(olmo3 + ", \"rope_theta\": 500000.0, \"rope_scaling\": {" + yarn + "}}");
        assertEquals(RopeScaling.Type.YARN, hub.ropeScaling().type());
        assertEquals(500000.0, hub.slidingRopeTheta());
        ModelConfig perType = read(olmo3 + ", \"rope_parameters\": {\"full_attention\": {\"rope_theta\": 500000.0, "
                + yarn + "}, \"sliding_attention\": {\"rope_theta\": 500000.0, \"rope_type\": \"default\"}}}");
        assertEquals(hub, perType);
        assertMentions(refused("stories260K", olmo3 + ", \"rope_parameters\": {\"full_attention\": {" + yarn + "},"
                + " \"sliding_attention\": {" + yarn + "}}}"), "rope_parameters.sliding_attention");
        assertMentions(refused("stories260K", olmo3 + ", \"rope_parameters\": {\"full_attention\": {\"rope_theta\": 1e4},"
                + " \"sliding_attention\": {\"rope_theta\": 2e4}}}"), "rope_parameters.sliding_attention");
        // no window left while layers are marked sliding: their unscaled RoPE has nothing to hang on
        assertMentions(refused("stories260K", "{\"architectures\": [\"Olmo3ForCausalLM\"], \"sliding_window\": null,"
                + " \"rope_scaling\": {" + yarn + "}}"), "no sliding window in effect", "yarn");
        ModelConfig allFull = read("{\"architectures\": [\"Olmo3ForCausalLM\"], \"sliding_window\": null,"
                + " \"rope_scaling\": {" + yarn + "}, \"layer_types\": [\"full_attention\", \"full_attention\","
                + " \"full_attention\", \"full_attention\", \"full_attention\"]}");
        assertEquals(0.0, allFull.slidingRopeTheta());
        assertEquals(0.0, read("{\"architectures\": [\"Olmo3ForCausalLM\"], \"sliding_window\": null}")
                .slidingRopeTheta());
        assertEquals(0.0, read("tiny-qwen2", "{\"use_sliding_window\": true, \"sliding_window\": 8,"
                + " \"max_window_layers\": 1}").slidingRopeTheta());
        assertEquals(10000.0, read("tiny-gemma3", "{}").slidingRopeTheta());  // its rope_local_base_freq
    }

    /**
     * EXAONE 4: OLMo 2's norms with per-head q/k norms; where a sliding_window is set (absent: 4096), a window on the
     * layers layer_types marks (else all but every sliding_window_pattern-th) and no RoPE on the others, even where
     * the window covers the whole context; none of either where it is null.
     */
    @Test
    void exaone4sWindowAndNoPeLayers() throws IOException {
        String exaone = "{\"architectures\": [\"Exaone4ForCausalLM\"], \"model_type\": \"exaone4\"";
        ModelConfig byDefault = read(exaone + ", \"sliding_window\": 100}");
        assertEquals(Architecture.EXAONE4, byDefault.architecture());
        assertTrue(byDefault.qkNorm());
        List<Boolean> lllg = List.of(true, true, true, false, true);
        assertEquals(new SlidingWindow(100, lllg), byDefault.slidingWindow());
        assertEquals(new NoPeLayers(lllg), byDefault.variant());
        assertEquals(List.of(true, false, true, false, true), read(exaone + ", \"sliding_window\": 100,"
                + " \"sliding_window_pattern\": 2}").slidingWindow().layers());
        String types = ", \"layer_types\": [\"sliding_attention\", \"full_attention\", \"full_attention\","
                + " \"sliding_attention\", \"sliding_attention\"]";
        ModelConfig listed = read(exaone + ", \"sliding_window\": 64, \"sliding_window_pattern\": \"LLLG\"" + types + "}");
        assertEquals(new SlidingWindow(64, List.of(true, false, false, true, true)), listed.slidingWindow());
        assertEquals(false, listed.rotates(1));
        // a window no shorter than the context (absent: 4096 of stories260K's 512): full attention, NoPE kept
        ModelConfig wide = read(exaone + "}");
        assertEquals(SlidingWindow.NONE, wide.slidingWindow());
        assertEquals(new NoPeLayers(lllg), wide.variant());
        assertEquals(wide, read(exaone + ", \"sliding_window\": 4096}"));
        // null: every layer full and rotating
        ModelConfig none = read(exaone + ", \"sliding_window\": null" + types + "}");
        assertEquals(SlidingWindow.NONE, none.slidingWindow());
        assertEquals(null, none.variant());
        assertMentions(refused("stories260K", exaone + ", \"sliding_window_pattern\": \"LLLG\"}"),
                "sliding_window_pattern \"LLLG\"", "layer_types");
    }

    /**
     * Gemma 1: the GELU transformers 5's GemmaMLP takes from hidden_act (google's "gelu": exact), whatever a
     * hidden_activation says; head_dim's scale, no caps, no window, tied embeddings by default.
     */
    @Test
    void gemma1sGeluIsItsHiddenAct() throws IOException {
        String gemma = "{\"architectures\": [\"GemmaForCausalLM\"], \"model_type\": \"gemma\"";
        ModelConfig hub = read("stories260K", gemma + ", \"hidden_act\": \"gelu\","
                + " \"hidden_activation\": \"gelu_pytorch_tanh\"}", "tie_word_embeddings");
        assertEquals(Architecture.GEMMA, hub.architecture());
        assertEquals(Activation.GELU_ERF, hub.activation());
        assertEquals(SlidingWindow.NONE, hub.slidingWindow());
        assertEquals(0f, hub.gemma().finalLogitSoftcap());
        assertEquals(0f, hub.gemma().attnLogitSoftcap());
        assertEquals((float) (1 / Math.sqrt(hub.headDim())), hub.attentionScale());
        assertTrue(hub.tieWordEmbeddings());
        assertEquals(Activation.GELU_TANH, read("stories260K", gemma + "}", "hidden_act").activation());
        assertEquals(Activation.GELU_TANH, read(gemma + ", \"hidden_act\": \"gelu_pytorch_tanh\"}").activation());
        assertMentions(refused("stories260K", gemma + ", \"hidden_act\": \"gelu_new\"}"), "hidden_act \"gelu_new\"");
        assertMentions(refused("stories260K", gemma + ", \"hidden_act\": \"gelu\", \"rope_scaling\": " + LLAMA3 + "}}"),
                "scaled RoPE", "GemmaForCausalLM");
        // Gemma 2 and 3 keep reading hidden_activation
        assertEquals(Activation.SILU, read("{}").activation());
    }

    /** ERNIE 4.5: Llama's layer, RoPE on interleaved pairs of the whole head, Ernie4_5Config's defaults; use_bias refused. */
    @Test
    void ernie45PairsItsWholeHeadInterleaved() throws IOException {
        String ernie = "{\"architectures\": [\"Ernie4_5ForCausalLM\"], \"model_type\": \"ernie4_5\"";
        ModelConfig hub = read("stories260K", ernie + ", \"head_dim\": 8}", "tie_word_embeddings",
                "max_position_embeddings");
        assertEquals(Architecture.LLAMA, hub.architecture());
        assertTrue(hub.ropeScaling().interleaved());
        assertEquals(8, hub.ropeScaling().rotaryDim(hub.headDim()));
        assertTrue(hub.tieWordEmbeddings());
        assertEquals(131072, hub.maxPositionEmbeddings());
        assertEquals(128, read("stories260K", ernie + "}", "head_dim").headDim());
        assertMentions(refused("stories260K", ernie + ", \"use_bias\": true}"), "use_bias true", "Ernie4_5ForCausalLM");
        assertMentions(refused("stories260K", ernie + ", \"partial_rotary_factor\": 0.5}"), "partial_rotary_factor");
    }

    /** HunYuan: q/k norms after RoPE; its "dynamic" RoPE with an alpha is the default RoPE of the scaled base. */
    @Test
    void hunyuansAlphaScalesItsRopeBase() throws IOException {
        String hunyuan = "{\"architectures\": [\"HunYuanDenseV1ForCausalLM\"], \"model_type\": \"hunyuan_v1_dense\","
                + " \"rope_theta\": 10000.0";
        ModelConfig hub = read(hunyuan + ", \"rope_scaling\": {\"type\": \"dynamic\", \"alpha\": 1000.0, \"factor\": 1.0}}");
        assertEquals(Architecture.HUNYUAN, hub.architecture());
        assertTrue(hub.qkNorm());
        assertTrue(hub.architecture().qkNormsAfterRope());
        assertEquals(RopeScaling.NONE, hub.ropeScaling());
        assertEquals(10000.0, hub.ropeTheta());
        assertEquals(new NtkAlpha(1000.0), hub.variant());
        assertEquals(10000.0 * StrictMath.pow(1000.0, 8 / 6.0), hub.ropeBase());
        // transformers 5's own form reads alike
        assertEquals(hub, read(hunyuan + ", \"rope_parameters\": {\"rope_type\": \"dynamic\", \"alpha\": 1000.0,"
                + " \"rope_theta\": 10000.0}}"));
        assertEquals(null, read(hunyuan + "}").variant());
        assertMentions(refused("stories260K", hunyuan + ", \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}}"),
                "dynamic");
        assertMentions(refused("stories260K", hunyuan + ", \"attention_bias\": true}"), "attention_bias true");
    }

    /** Granite 4.0's dense form: Granite's layer with its MLP's own width; mamba layers, experts and NoPE refused. */
    @Test
    void graniteHybridReadsAsGraniteWhereEveryLayerIsAttention() throws IOException {
        String hybrid = "{\"architectures\": [\"GraniteMoeHybridForCausalLM\"], \"model_type\": \"granitemoehybrid\","
                + " \"num_local_experts\": 0, \"shared_intermediate_size\": 96, \"embedding_multiplier\": 12.0,"
                + " \"layer_types\": [\"attention\", \"attention\", \"attention\", \"attention\", \"attention\"]";
        ModelConfig dense = read(hybrid + ", \"position_embedding_type\": \"rope\"}");
        assertEquals(Architecture.GRANITE, dense.architecture());
        assertEquals(96, dense.intermediateSize());
        assertEquals(12.0f, dense.granite().embeddingMultiplier());
        assertMentions(refused("stories260K", hybrid + "}"), "position_embedding_type");
        assertMentions(refused("stories260K", hybrid.replace("\"num_local_experts\": 0", "\"num_local_experts\": 8")
                + ", \"position_embedding_type\": \"rope\"}"), "num_local_experts 8");
        assertMentions(refused("stories260K", hybrid.replaceFirst("\"attention\"", "\"mamba\"")
                + ", \"position_embedding_type\": \"rope\"}"), "mamba");
    }

    /**
     * Ministral 3: Ministral3Config's defaults (no window where none is named, not Mistral's 4096), and the context
     * capped where its query scale 1 + β·ln(1 + ⌊pos / original⌋) leaves 1; alike as a top-level model and as
     * Mistral3ForConditionalGeneration's text model.
     */
    @Test
    void ministral3StaysWhereItsQueriesAreUnscaled() throws IOException {
        String yarn = "\"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 1000000.0, \"factor\": 16.0,"
                + " \"original_max_position_embeddings\": 64, \"beta_fast\": 32.0, \"beta_slow\": 1.0, \"mscale\": 1.0,"
                + " \"mscale_all_dim\": 1.0, \"llama_4_scaling_beta\": 0.1, \"max_position_embeddings\": 512}";
        ModelConfig top = read("stories260K", "{\"architectures\": [\"Ministral3ForCausalLM\"], \"model_type\": \"ministral3\", "
                + yarn + "}", "sliding_window");
        assertEquals(Architecture.LLAMA, top.architecture());
        assertEquals(64, top.maxPositionEmbeddings());
        assertEquals(SlidingWindow.NONE, top.slidingWindow());
        // without the query scale (β 0) yarn's whole context: 64 × 16 = 1024
        assertEquals(1024, read("stories260K", "{\"architectures\": [\"Ministral3ForCausalLM\"], "
                + yarn.replace("\"llama_4_scaling_beta\": 0.1", "\"llama_4_scaling_beta\": 0.0") + "}").maxPositionEmbeddings());
        // the same text model under Mistral3ForConditionalGeneration
        ObjectNode text = (ObjectNode) JSON.readTree(TestAssets.model("stories260K").resolve("config.json").toFile());
        text.remove("architectures");
        text.put("model_type", "ministral3");
        text.setAll((ObjectNode) JSON.readTree("{" + yarn + "}"));
        ObjectNode multimodal = JSON.createObjectNode();
        multimodal.putArray("architectures").add("Mistral3ForConditionalGeneration");
        multimodal.set("text_config", text);
        ModelConfig nested = read("stories260K", multimodal.toString());
        assertEquals(64, nested.maxPositionEmbeddings());
        assertEquals(SlidingWindow.NONE, nested.slidingWindow());
        assertEquals(top.ropeScaling(), nested.ropeScaling());
    }

    /** Mixtral, Qwen2-MoE and Qwen3-MoE: their experts as their configuration classes read them, defaults included. */
    @Test
    void expertsReadAsTransformersConfigs() throws IOException {
        ModelConfig mixtral = read("{\"architectures\": [\"MixtralForCausalLM\"], \"model_type\": \"mixtral\","
                + " \"num_local_experts\": 4, \"sliding_window\": null}");
        assertEquals(Architecture.LLAMA, mixtral.architecture());
        assertEquals(new Moe(4, 2, mixtral.intermediateSize(), true, 0, List.of(true, true, true, true, true)),
                mixtral.moe());
        Moe qwen3 = read("tiny-qwen3", "{\"architectures\": [\"Qwen3MoeForCausalLM\"], \"num_experts\": 16,"
                + " \"num_experts_per_tok\": 4, \"moe_intermediate_size\": 24, \"norm_topk_prob\": true,"
                + " \"mlp_only_layers\": [0]}").moe();
        assertEquals(new Moe(16, 4, 24, true, 0, List.of(false, true)), qwen3);
        // Qwen2MoeConfig's defaults: 60 experts, 4 a token, 1408 wide, a shared expert of 5632, no renormalising
        ModelConfig qwen2 = read("tiny-qwen2", "{\"architectures\": [\"Qwen2MoeForCausalLM\"],"
                + " \"decoder_sparse_step\": 2}");
        assertEquals(new Moe(60, 4, 1408, false, 5632, List.of(false, true)), qwen2.moe());
        assertEquals(true, qwen2.attentionBias());
        assertEquals(null, read("tiny-qwen2", "{}").moe());
        assertMentions(refused("tiny-qwen2", "{\"architectures\": [\"Qwen2MoeForCausalLM\"],"
                + " \"num_experts_per_tok\": 9, \"num_experts\": 8}"), "num_experts_per_tok 9");
        assertMentions(refused("tiny-qwen3", "{\"architectures\": [\"Qwen3MoeForCausalLM\"],"
                + " \"use_sliding_window\": true, \"sliding_window\": 64}"), "use_sliding_window");
        assertMentions(refused("tiny-qwen2", "{\"architectures\": [\"Qwen2MoeForCausalLM\"],"
                + " \"qkv_bias\": false}"), "qkv_bias false");
        // OlmoeConfig's defaults: 64 experts of intermediate_size, 8 a token, not renormalised, every layer sparse
        ModelConfig olmoe = read("stories260K", "{\"architectures\": [\"OlmoeForCausalLM\"]}",
                "max_position_embeddings");
        assertEquals(new Moe(64, 8, olmoe.intermediateSize(), false, 0, List.of(true, true, true, true, true)),
                olmoe.moe());
        assertEquals(Architecture.OLMOE, olmoe.architecture());
        assertEquals(4096, olmoe.maxPositionEmbeddings());
        assertMentions(refused("stories260K", "{\"architectures\": [\"OlmoeForCausalLM\"], \"clip_qkv\": 8.0}"),
                "clip_qkv 8.0");
    }

    @Test
    void unsupportedArchitectureListsMistral() {
        assertMentions(refused("stories260K", "{\"architectures\": [\"FalconForCausalLM\"]}"), "'FalconForCausalLM'",
                "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM");
    }
}
