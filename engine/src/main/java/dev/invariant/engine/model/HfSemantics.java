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
    /** Ministral3Config's defaults for the keys a config may leave out (its RoPE's apart: {@link #ministral3}). */
    private static final java.util.Map<String, Number> MINISTRAL3_DEFAULTS = java.util.Map.ofEntries(
            java.util.Map.entry("vocab_size", 131_072), java.util.Map.entry("hidden_size", 4096),
            java.util.Map.entry("intermediate_size", 14_336), java.util.Map.entry("num_hidden_layers", 34),
            java.util.Map.entry("num_attention_heads", 32), java.util.Map.entry("num_key_value_heads", 8),
            java.util.Map.entry("head_dim", 128), java.util.Map.entry("max_position_embeddings", 262_144),
            java.util.Map.entry("rms_norm_eps", 1e-5), java.util.Map.entry("bos_token_id", 1),
            java.util.Map.entry("eos_token_id", 2));
    /** Where {@link #hunyuan}'s view keeps the alpha of the RoPE it turns into the default one. */
    private static final String NTK_ALPHA = "__invariant_ntk_alpha";
    static final String FULL = "full_attention";
    static final String SLIDING = "sliding_attention";

    private HfSemantics() {
    }

    /** Refuses what transformers would compute differently from the engine, naming the key and its value. */
    static void refuseUnsupported(String hfName, JsonNode c, Path file) {
        JsonNode act = c.get("hidden_act");
        if (act != null && !(act.isTextual() && (act.asText().equals("silu") || act.asText().equals("swish")))) {
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
            // Phi3Config, MixtralConfig: every layer slides when sliding_window is set (Phi-3-mini-4k: 2047); the
            // default is none
            case "Phi3ForCausalLM", MIXTRAL -> c.path("sliding_window").isMissingNode() ? SlidingWindow.NONE
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
     * GlmForCausalLM (THUDM/glm-4-9b-chat-hf): Qwen2's layer (q/k/v biases, none on o_proj) with gate|up stored fused
     * and RoPE on interleaved pairs of the first half of each head; Glm4ForCausalLM (GLM-4-0414) the same with four
     * norms a layer. A view of {@code c} with GlmConfig's and Glm4Config's defaults where it names none
     * (partial_rotary_factor 0.5, head_dim 128); attention_bias false is refused (the engine's layer has the biases).
     */
    static JsonNode glm(JsonNode c, Path file) {
        if (!c.path("attention_bias").asBoolean(true)) {
            throw HfConfig.format(file, "attention_bias false is not supported for " + GLM + " and " + GLM4
                    + ": the engine computes their layers with q/k/v biases");
        }
        ObjectNode view = c.deepCopy();
        boolean partial = c.has("partial_rotary_factor") || c.path("rope_parameters").has("partial_rotary_factor")
                || c.path("rope_scaling").has("partial_rotary_factor");
        if (!partial) view.put("partial_rotary_factor", 0.5);
        if (!c.hasNonNull("head_dim")) view.put("head_dim", 128);
        return view;
    }

    /**
     * Ernie4_5ForCausalLM (baidu/ERNIE-4.5-0.3B-PT): Llama's layer, its RoPE on interleaved pairs 2i and 2i + 1 of the
     * whole head ({@link #rotation}). A view of {@code c} with Ernie4_5Config's defaults where it names none (head_dim
     * 128, tied embeddings); use_bias true is refused (transformers then adds a bias to every projection).
     */
    static JsonNode ernie(JsonNode c, Path file) {
        if (c.path("use_bias").asBoolean(false)) {
            throw HfConfig.format(file, "use_bias " + c.get("use_bias") + " is not supported for " + ERNIE45 + ":"
                    + " transformers adds a bias to every projection, which the engine's Llama layer does not have");
        }
        ObjectNode view = c.deepCopy();
        if (!c.hasNonNull("head_dim")) view.put("head_dim", 128);
        if (!c.hasNonNull("tie_word_embeddings")) view.put("tie_word_embeddings", true);
        return view;
    }

    /**
     * HunYuanDenseV1ForCausalLM (tencent/Hunyuan-*): its RoPE {@code "dynamic"} with an {@code alpha} is the default
     * RoPE of a base scaled once by that alpha ({@link NtkAlpha}; transformers' dynamic update only starts past
     * max_position_embeddings, the context the engine keeps): a view of {@code c} with the default RoPE of its
     * rope_theta and the alpha aside ({@link #ntkAlpha}). A dynamic RoPE without alpha (Llama's dynamic NTK) stays as
     * it is, for HfRope to refuse.
     */
    static JsonNode hunyuan(JsonNode c, Path file) {
        JsonNode p = c.path("rope_parameters").isObject() ? c.get("rope_parameters") : c.path("rope_scaling");
        String type = p.path("rope_type").asText(p.path("type").asText("default"));
        JsonNode alpha = p.get("alpha");
        if (!type.equals("dynamic") || alpha == null || alpha.isNull()) return c;
        if (!alpha.isNumber()) throw HfConfig.format(file, "the RoPE's alpha must be a number, got " + alpha);
        ObjectNode view = c.deepCopy();
        double theta = p.hasNonNull("rope_theta") ? p.get("rope_theta").asDouble() : c.path("rope_theta").asDouble(10_000);
        view.remove("rope_scaling");
        view.remove("rope_parameters");
        view.put("rope_theta", theta);
        view.put(NTK_ALPHA, alpha.asDouble());
        return view;
    }

    /** The alpha {@link #hunyuan}'s view set aside; null where none. */
    static NtkAlpha ntkAlpha(JsonNode view) {
        return view.has(NTK_ALPHA) ? new NtkAlpha(view.get(NTK_ALPHA).asDouble()) : null;
    }

    /**
     * How the architecture applies {@code scaling}'s RoPE to a head: a partial_rotary_factor is accepted only where
     * transformers rotates part of a head (Phi-3's rotate-half within it, GLM's interleaved pairs 2i and 2i + 1);
     * ERNIE 4.5 pairs its whole head's dims as GLM does.
     */
    static RopeScaling rotation(String hfName, RopeScaling scaling, Path file) {
        boolean glm = hfName.equals(GLM) || hfName.equals(GLM4);
        if (scaling.partialRotaryFactor() != 1.0 && !glm && !hfName.equals("Phi3ForCausalLM")) {
            throw HfConfig.format(file, "partial_rotary_factor " + scaling.partialRotaryFactor() + " is supported for"
                    + " Phi3ForCausalLM (Phi-4-mini), " + GLM + " and " + GLM4 + " only, whose RoPE transformers applies"
                    + " to part of each head");
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

    /**
     * GraniteMoeHybridForCausalLM as Granite's layer: only where every layer is attention ({@code layer_types}
     * "attention", absent: all mamba), none has experts ({@code num_local_experts} 0, absent: 8) and RoPE is on
     * ({@code position_embedding_type} "rope", absent: none); a view of {@code c} whose intermediate_size is its MLP's,
     * {@code shared_intermediate_size} (GraniteMoeHybridConfig's default 1024).
     */
    static JsonNode graniteHybrid(JsonNode c, Path file) {
        JsonNode types = c.path("layer_types");
        boolean attention = types.isArray() && !types.isEmpty();
        for (JsonNode t : types) attention &= t.asText().equals("attention") || t.asText().equals(FULL);
        if (!attention) {
            throw HfConfig.format(file, "layer_types " + (types.isMissingNode() ? "absent (every layer mamba)" : types)
                    + " is not supported for " + GRANITE_HYBRID + ": the engine runs its attention-only form (Granite 4.0's"
                    + " dense models), not mamba layers");
        }
        if (c.path("num_local_experts").asInt(8) != 0) {
            throw HfConfig.format(file, "num_local_experts " + c.path("num_local_experts").asInt(8) + " is not"
                    + " supported for " + GRANITE_HYBRID + ": the engine runs its form without experts (0)");
        }
        if (!c.path("position_embedding_type").asText("").equals("rope")) {
            throw HfConfig.format(file, "position_embedding_type " + c.get("position_embedding_type") + " is not"
                    + " supported for " + GRANITE_HYBRID + ": the engine runs its form with RoPE (\"rope\")");
        }
        ObjectNode view = c.deepCopy();
        view.put("intermediate_size", c.path("shared_intermediate_size").asInt(1024));
        return view;
    }

    /** Whether {@code c} (a top-level config, or Mistral3ForConditionalGeneration's text model) is Ministral 3's. */
    static boolean isMinistral3(String hfName, JsonNode c) {
        return hfName.equals(MINISTRAL3) || c.path("model_type").asText("").equals("ministral3");
    }

    /**
     * Ministral 3 (Ministral3ForCausalLM; mistralai/Ministral-3-* as Mistral3ForConditionalGeneration's text model): Mistral's
     * layer with Ministral3Config's defaults where {@code c} names none (no sliding window: absent means none, not
     * Mistral's 4096; yarn RoPE, factor 16 over 16,384 positions), and its queries scaled by
     * {@code 1 + β·ln(1 + ⌊pos / original_max_position_embeddings⌋)} (β: its RoPE's {@code llama_4_scaling_beta}),
     * which is exactly 1 below original_max_position_embeddings: the context is capped there ({@link #ministral3Context})
     * rather than the scale computed.
     */
    static ObjectNode ministral3(JsonNode c) {
        ObjectNode view = c.deepCopy();
        MINISTRAL3_DEFAULTS.forEach((key, value) -> {
            if (view.hasNonNull(key)) return;
            view.set(key, value instanceof Integer i ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(i)
                    : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.numberNode(value.doubleValue()));
        });
        if (!view.has("sliding_window")) view.putNull("sliding_window");
        boolean rope = c.path("rope_parameters").isObject() && !c.path("rope_parameters").isEmpty()
                || c.path("rope_scaling").isObject() && !c.path("rope_scaling").isEmpty();
        if (!rope) {
            ObjectNode p = view.putObject("rope_parameters");
            p.put("rope_type", "yarn").put("rope_theta", 1_000_000.0).put("factor", 16.0)
                    .put("original_max_position_embeddings", 16_384).put("beta_fast", 32.0).put("beta_slow", 1.0)
                    .put("mscale_all_dim", 1.0).put("mscale", 1.0).put("llama_4_scaling_beta", 0.1);
        }
        return view;
    }

    /** {@code context} capped where Ministral 3's query scale stops being 1 (with a β other than 0). */
    static int ministral3Context(JsonNode view, int context, Path file) {
        JsonNode p = view.path("rope_scaling").isObject() && !view.path("rope_scaling").isEmpty()
                ? view.get("rope_scaling") : view.path("rope_parameters");
        double beta = p.path("llama_4_scaling_beta").asDouble(0);
        if (beta == 0) return context;
        int original = p.path("original_max_position_embeddings").asInt(0);
        if (original <= 0) {
            throw HfConfig.format(file, "llama_4_scaling_beta " + beta + " needs the RoPE's"
                    + " original_max_position_embeddings: Ministral 3 scales its queries by position over it");
        }
        return Math.min(context, original);
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
