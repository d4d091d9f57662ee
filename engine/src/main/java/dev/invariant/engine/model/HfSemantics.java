package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * {@code config.json} keys, beyond shapes and RoPE, that change what transformers computes, read as transformers 5
 * reads them for each architecture: refused where the engine would compute something else, and which layers attend
 * through a sliding window. attention_dropout (training only) and pretraining_tp (transformers 5 ignores it; older
 * versions only split the same sums) change nothing at inference.
 */
final class HfSemantics {
    static final String GLM = "GlmForCausalLM";
    static final String GLM4 = "Glm4ForCausalLM";
    static final String MIXTRAL = "MixtralForCausalLM";
    static final String QWEN2_MOE = "Qwen2MoeForCausalLM";
    static final String QWEN3_MOE = "Qwen3MoeForCausalLM";
    static final String OLMOE = "OlmoeForCausalLM";
    static final String OLMO3 = "Olmo3ForCausalLM";
    static final String EXAONE4 = "Exaone4ForCausalLM";
    static final String ERNIE45 = "Ernie4_5ForCausalLM";
    static final String HUNYUAN = "HunYuanDenseV1ForCausalLM";
    static final String GRANITE_HYBRID = "GraniteMoeHybridForCausalLM";
    static final String MINISTRAL3 = "Ministral3ForCausalLM";
    static final String FULL = "full_attention";
    static final String SLIDING = "sliding_attention";

    private HfSemantics() {
    }

    /** Refuses what transformers would compute differently from the engine, naming the key and its value. */
    static void refuseUnsupported(String hfName, JsonNode c, Path file) {
        JsonNode act = c.get("hidden_act");
        // the GPT layer's GELU is read with it (HfGpt.block); StableLM's MLP is Llama's
        if (act != null && (!HfGpt.reads(hfName) || hfName.equals(HfGpt.STABLELM)) && !(act.isTextual() && (act.asText().equals("silu") || act.asText().equals("swish")))) {
            throw HfConfig.format(file, "hidden_act " + act + " is not supported: the engine's MLP is"
                    + " down(silu(gate) * up) (hidden_act silu or swish)");
        }
        // Mistral's and Qwen's modules have no bias switch: transformers ignores these keys for them.
        boolean llama = hfName.equals("LlamaForCausalLM") || hfName.equals("GraniteForCausalLM")
                || hfName.equals("SmolLM3ForCausalLM");
        if (llama && c.path("mlp_bias").asBoolean(false)) {
            throw HfConfig.format(file, "mlp_bias " + c.get("mlp_bias") + " is not supported: transformers adds a"
                    + " bias to gate_proj, up_proj and down_proj, which the engine does not have");
        }
        boolean olmo2 = hfName.equals("Olmo2ForCausalLM") || hfName.equals(OLMO3);
        boolean qwen3 = hfName.equals("Qwen3ForCausalLM") || hfName.equals(QWEN3_MOE);
        if ((llama || olmo2 || qwen3 || hfName.equals(OLMOE) || hfName.equals(HUNYUAN))
                && c.path("attention_bias").asBoolean(false)) {
            throw HfConfig.format(file, "attention_bias " + c.get("attention_bias") + " is not supported for "
                    + hfName + ": transformers adds a bias to q_proj, k_proj, v_proj and o_proj, and the engine has"
                    + " no o_proj bias");
        }
        if ((hfName.equals(QWEN2_MOE) || hfName.equals(QWEN3_MOE)) && c.path("use_sliding_window").asBoolean(false)) {
            throw HfConfig.format(file, "use_sliding_window true is not supported for " + hfName + ": the engine reads"
                    + " sliding windows of its experts' models only where none is set");
        }
        if (hfName.equals(QWEN2_MOE) && !c.path("qkv_bias").asBoolean(true)) {
            throw HfConfig.format(file, "qkv_bias false is not supported for " + QWEN2_MOE + ": the engine computes"
                    + " its layer with q/k/v biases");
        }
        if (hfName.equals(OLMOE) && c.hasNonNull("clip_qkv")) {
            throw HfConfig.format(file, "clip_qkv " + c.get("clip_qkv") + " is not supported for " + OLMOE + ": the"
                    + " engine does not clamp q, k and v");
        }
        if (olmo2 && c.path("use_sinks").asBoolean(false)) {
            throw HfConfig.format(file, "use_sinks true is not supported for " + hfName + ": the engine's attention"
                    + " has no sink logits");
        }
    }

    /**
     * The sliding-window attention transformers applies, per layer (a query sees itself and the window - 1 keys
     * before it), or {@link SlidingWindow#NONE} when every layer attends to the whole sequence, which is also what a
     * window no shorter than the model's {@code context} amounts to.
     */
    static SlidingWindow slidingWindow(String hfName, JsonNode c, int numLayers, int context, Path file) {
        SlidingWindow w = switch (hfName) {
            // MistralConfig: every layer slides; the key's default is 4096, null means none
            case "MistralForCausalLM" -> everyLayer(window(c, file), numLayers);
            // Phi3Config, MixtralConfig, Starcoder2Config: every layer slides when sliding_window is set (Phi-3-mini-4k:
            // 2047, StarCoder2: 4096); the default is none
            case "Phi3ForCausalLM", MIXTRAL, HfGpt.STARCODER2 -> c.path("sliding_window").isMissingNode()
                    ? SlidingWindow.NONE
                    : everyLayer(window(c, file), numLayers);
            // SmolLM3Config: with use_sliding_window and a window, the layers marked sliding (by default its NoPE ones)
            case "SmolLM3ForCausalLM" -> {
                if (!c.path("use_sliding_window").asBoolean(false) || c.path("sliding_window").isNull()
                        || !c.has("sliding_window")) yield SlidingWindow.NONE;
                java.util.List<Boolean> slides = c.path("layer_types").isArray() ? layerTypes(c, numLayers, file)
                        : smolLm3(c, numLayers, file).rope().stream().map(rotates -> !rotates).toList();
                yield new SlidingWindow(window(c, file), slides);
            }
            // Qwen2Config/Qwen3Config: only with use_sliding_window, and only on layers marked sliding_attention
            // (layer_types), by default those at or after max_window_layers (default 28)
            case "Qwen2ForCausalLM", "Qwen3ForCausalLM" -> {
                int from = c.path("max_window_layers").asInt(28);
                yield marked(c.path("use_sliding_window").asBoolean(false) ? window(c, file) : 0, c, numLayers, file,
                        l -> l >= from);
            }
            // Olmo3Config: the layers marked sliding_attention, by default all but every fourth; the key's default
            // is 4096, null means none
            case OLMO3 -> marked(window(c, file), c, numLayers, file, l -> (l + 1) % 4 != 0);
            // Exaone4Config: none where sliding_window is null, else on the layers exaone4Sliding marks
            case EXAONE4 -> c.has("sliding_window") && c.get("sliding_window").isNull() ? SlidingWindow.NONE
                    : new SlidingWindow(window(c, file), exaone4Sliding(c, numLayers, file));
            default -> SlidingWindow.NONE;
        };
        return w.size() >= context || w.slidingLayers().length == 0 ? SlidingWindow.NONE : w;
    }

    /** A window of {@code size} (none when 0) on the layers layer_types marks, else on those {@code byDefault} picks. */
    private static SlidingWindow marked(int size, JsonNode c, int numLayers, Path file,
                                        java.util.function.IntPredicate byDefault) {
        if (size == 0) return SlidingWindow.NONE;
        return new SlidingWindow(size, c.path("layer_types").isArray() ? layerTypes(c, numLayers, file)
                : java.util.stream.IntStream.range(0, numLayers).mapToObj(byDefault::test).toList());
    }

    private static SlidingWindow everyLayer(int size, int numLayers) {
        return size == 0 ? SlidingWindow.NONE : SlidingWindow.everyLayer(size, numLayers);
    }

    /** {@code layer_types}: per layer, whether it is "sliding_attention" (else "full_attention"). */
    static java.util.List<Boolean> layerTypes(JsonNode c, int layers, Path file) {
        JsonNode types = c.path("layer_types");
        if (types.size() != layers) {
            throw HfConfig.format(file, "layer_types has " + types.size() + " entries for " + layers + " layers");
        }
        java.util.List<Boolean> sliding = new java.util.ArrayList<>(layers);
        for (JsonNode t : types) {
            if (!t.asText().equals(FULL) && !t.asText().equals(SLIDING)) {
                throw HfConfig.format(file, "layer_types entry " + t + " is not " + FULL + " or " + SLIDING);
            }
            sliding.add(t.asText().equals(SLIDING));
        }
        return sliding;
    }

    /**
     * Qwen2-VL's RoPE for text: "mrope" rotates sections of each head by a token's time, height and width positions,
     * which are one and the same position for a text token, so it is the default RoPE (transformers reads the type as
     * default too); a view of {@code c} with that type read as default.
     */
    static JsonNode textMropeAsDefault(JsonNode c) {
        ObjectNode view = c.deepCopy();
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            if (!(view.get(key) instanceof ObjectNode r)) continue;
            for (String type : new String[] {"rope_type", "type"}) {
                if (r.path(type).asText("").equals("mrope")) r.put(type, "default");
            }
        }
        return view;
    }

    /**
     * How the architecture applies {@code scaling}'s RoPE to a head: a partial_rotary_factor is accepted only where
     * transformers rotates part of a head (Phi-3's, GPT-NeoX's and Phi's rotate-half within it, GLM's interleaved pairs 2i and 2i + 1);
     * ERNIE 4.5 pairs its whole head's dims as GLM does.
     */
    static RopeScaling rotation(String hfName, RopeScaling scaling, Path file) {
        boolean glm = hfName.equals(GLM) || hfName.equals(GLM4);
        if (scaling.partialRotaryFactor() != 1.0 && !glm && !hfName.equals("Phi3ForCausalLM")
                && !hfName.equals(HfGpt.GPT_NEOX) && !hfName.equals(HfGpt.PHI)
                && !hfName.equals(HfGpt.STABLELM)) {
            throw HfConfig.format(file, "partial_rotary_factor " + scaling.partialRotaryFactor() + " is supported for"
                    + " Phi3ForCausalLM (Phi-4-mini), " + HfGpt.GPT_NEOX + ", " + HfGpt.PHI + ", " + HfGpt.STABLELM
                    + ", " + GLM + " and " + GLM4 + " only, whose RoPE"
                    + " transformers applies to part of each head");
        }
        return glm || hfName.equals(ERNIE45) ? scaling.withRotation(scaling.partialRotaryFactor(), true) : scaling;
    }

    /**
     * Refuses the OLMo 3 forms the engine cannot compute. Its RoPE ({@code rope}, read as its full layers read it:
     * {@link HfRope#fullLayers}) is scaled on the full layers only, and its sliding layers rotate by the default RoPE
     * of the same base ({@link ModelConfig#slidingRopeTheta}): a per-type entry saying otherwise is refused, and so is
     * a scaled RoPE where no window is left to mark those layers (sliding_window null or the whole context) while
     * layer_types still would.
     */
    static void olmo3(JsonNode c, HfRope.Rope rope, SlidingWindow window, int numLayers, Path file) {
        JsonNode sliding = c.path("rope_parameters").path(SLIDING);
        if (sliding.isObject()) {
            String type = sliding.path("rope_type").asText(sliding.path("type").asText("default"));
            if (!type.equals("default") || sliding.path("rope_theta").asDouble(rope.theta()) != rope.theta()) {
                throw HfConfig.format(file, "rope_parameters." + SLIDING + " " + sliding + " is not supported: "
                        + OLMO3 + "'s sliding layers rotate by the default RoPE of the full layers' rope_theta");
            }
        }
        RopeScaling scaling = rope.scaling();
        if (window.size() > 0 || scaling.type() == RopeScaling.Type.DEFAULT) return;
        // by default layer 0 is marked sliding (all but every fourth)
        if (!c.path("layer_types").isArray() || layerTypes(c, numLayers, file).contains(true)) {
            throw HfConfig.format(file, OLMO3 + " with a " + scaling.type().name().toLowerCase() + " RoPE and no"
                    + " sliding window in effect (sliding_window " + c.get("sliding_window") + ") is not supported:"
                    + " transformers still rotates its sliding_attention layers by the unscaled RoPE; give those"
                    + " layers a window shorter than the context, or mark every layer full_attention");
        }
    }

    /** A view of {@code c} with a top-level rope_theta where it names none (the class's own default). */
    static JsonNode withTheta(JsonNode c, double theta) {
        if (c.has("rope_theta") || c.path("rope_parameters").has("rope_theta")) return c;
        return ((ObjectNode) c.deepCopy()).put("rope_theta", theta);
    }

    /**
     * The experts of Mixtral, OLMoE, Qwen2-MoE and Qwen3-MoE with their configuration classes' defaults where
     * config.json names none; null for the other (dense) architectures. A layer is sparse unless mlp_only_layers lists
     * it or (its index + 1) is not a multiple of decoder_sparse_step (Qwen's rule; every Mixtral and OLMoE layer is
     * sparse). Mixtral's and OLMoE's experts are intermediate_size wide.
     */
    static Moe moe(String hfName, JsonNode c, int layers, Path file) {
        boolean mixtral = hfName.equals(MIXTRAL);
        boolean olmoe = hfName.equals(OLMOE);
        boolean qwen2 = hfName.equals(QWEN2_MOE);
        boolean qwen = qwen2 || hfName.equals(QWEN3_MOE);
        if (!mixtral && !olmoe && !qwen) return null;
        // the hub's configs name num_experts (Mixtral's num_local_experts); transformers 5 saves Qwen3-MoE's as the other
        String name = mixtral ? "num_local_experts" : "num_experts";
        String other = mixtral ? "num_experts" : "num_local_experts";
        int experts = c.path(c.has(name) ? name : other).asInt(mixtral ? 8 : olmoe ? 64 : qwen2 ? 60 : 128);
        int perToken = c.path("num_experts_per_tok").asInt(mixtral ? 2 : qwen2 ? 4 : 8);
        int size = qwen ? c.path("moe_intermediate_size").asInt(qwen2 ? 1408 : 768)
                : c.path("intermediate_size").asInt(mixtral ? 14336 : 2048);
        boolean norm = mixtral || c.path("norm_topk_prob").asBoolean(false);
        int shared = qwen2 ? c.path("shared_expert_intermediate_size").asInt(5632) : 0;
        int step = qwen ? c.path("decoder_sparse_step").asInt(1) : 1;
        if (step <= 0) throw HfConfig.format(file, "decoder_sparse_step must be > 0, got " + step);
        java.util.Set<Integer> dense = new java.util.HashSet<>();
        JsonNode only = c.path("mlp_only_layers");
        if (qwen && only.isArray()) only.forEach(l -> dense.add(l.asInt()));
        java.util.List<Boolean> sparse = new java.util.ArrayList<>(layers);
        for (int l = 0; l < layers; l++) sparse.add(!dense.contains(l) && (l + 1) % step == 0);
        return new Moe(experts, perToken, size, norm, shared, sparse);
    }

    /** GraniteConfig's multipliers, 1.0 where absent. */
    static Granite granite(JsonNode c, Path file) {
        return new Granite(multiplier(c, "embedding_multiplier", file), multiplier(c, "residual_multiplier", file),
                multiplier(c, "attention_multiplier", file), multiplier(c, "logits_scaling", file));
    }

    private static float multiplier(JsonNode c, String key, Path file) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return 1.0f;
        if (!n.isNumber()) throw HfConfig.format(file, "'" + key + "' must be a number, got " + n);
        return (float) n.asDouble();
    }

    /**
     * EXAONE 4's NoPE layers: where its config sets a sliding_window (absent: 4096), transformers rotates only the
     * sliding layers' queries and keys (its "global NoPE"), whatever the window's width; null where none is set.
     */
    static NoPeLayers exaone4(JsonNode c, int layers, Path file) {
        if (c.has("sliding_window") && c.get("sliding_window").isNull()) return null;
        return new NoPeLayers(exaone4Sliding(c, layers, file));
    }

    /**
     * Exaone4Config's sliding layers: those layer_types marks, else all but every sliding_window_pattern-th (an
     * integer, default 4); a pattern of letters ("LLLG") needs layer_types, as transformers derives none from it.
     */
    private static java.util.List<Boolean> exaone4Sliding(JsonNode c, int layers, Path file) {
        if (c.path("layer_types").isArray()) return layerTypes(c, layers, file);
        JsonNode pattern = c.get("sliding_window_pattern");
        if (pattern != null && !pattern.isInt() || pattern != null && pattern.asInt() <= 0) {
            throw HfConfig.format(file, "sliding_window_pattern " + pattern + " without layer_types is not supported:"
                    + " transformers derives the layers from a positive integer only; list layer_types");
        }
        int every = pattern == null ? 4 : pattern.asInt();
        return java.util.stream.IntStream.range(0, layers).mapToObj(l -> (l + 1) % every != 0).toList();
    }

    /** SmolLM3Config's no_rope_layers (1 = RoPE), else every no_rope_layer_interval-th layer (default 4) without. */
    static NoPeLayers smolLm3(JsonNode c, int layers, Path file) {
        JsonNode list = c.path("no_rope_layers");
        java.util.List<Boolean> rope = new java.util.ArrayList<>(layers);
        if (list.isArray()) {
            if (list.size() < layers) {
                throw HfConfig.format(file, "no_rope_layers has " + list.size() + " entries for " + layers + " layers");
            }
            for (int i = 0; i < layers; i++) rope.add(list.get(i).asInt(1) != 0);
        } else {
            int every = c.path("no_rope_layer_interval").asInt(4);
            if (every <= 0) throw HfConfig.format(file, "no_rope_layer_interval must be > 0, got " + every);
            for (int i = 0; i < layers; i++) rope.add((i + 1) % every != 0);
        }
        return new NoPeLayers(rope);
    }

    private static int window(JsonNode c, Path file) {
        JsonNode w = c.get("sliding_window");
        if (w == null) return 4096;
        if (w.isNull()) return 0;
        if (!w.isInt() || w.asInt() <= 0) {
            throw HfConfig.format(file, "'sliding_window' must be a positive integer or null, got " + w);
        }
        return w.asInt();
    }
}
