package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;

/**
 * Architectures the engine reads as another's layer (GLM as Qwen2's, ERNIE 4.5 as Llama's, Granite 4.0's dense form
 * as Granite's, Ministral 3 as Mistral's), under the names the engine reads (GPT-NeoX) or with a value set aside (HunYuan's NTK alpha): each a view of its
 * {@code config.json} with its configuration class's defaults where it names none, refusing the forms the engine
 * does not compute.
 */
final class HfRelatives {
    /** Ministral3Config's defaults for the keys a config may leave out (its RoPE's apart: {@link #ministral3}). */
    private static final Map<String, Number> MINISTRAL3_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 131_072), Map.entry("hidden_size", 4096),
            Map.entry("intermediate_size", 14_336), Map.entry("num_hidden_layers", 34),
            Map.entry("num_attention_heads", 32), Map.entry("num_key_value_heads", 8),
            Map.entry("head_dim", 128), Map.entry("max_position_embeddings", 262_144),
            Map.entry("rms_norm_eps", 1e-5), Map.entry("bos_token_id", 1),
            Map.entry("eos_token_id", 2));
    /** GPTNeoXConfig's defaults for the keys a config may leave out (gpt-neox-20b's shape). */
    private static final Map<String, Number> GPT_NEOX_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 50_432), Map.entry("hidden_size", 6144), Map.entry("num_hidden_layers", 44),
            Map.entry("num_attention_heads", 64), Map.entry("intermediate_size", 24_576),
            Map.entry("max_position_embeddings", 2048), Map.entry("bos_token_id", 0), Map.entry("eos_token_id", 2));
    /** PhiConfig's defaults for the keys a config may leave out (phi-1_5's shape). */
    private static final Map<String, Number> PHI_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 51_200), Map.entry("hidden_size", 2048), Map.entry("num_hidden_layers", 24),
            Map.entry("num_attention_heads", 32), Map.entry("intermediate_size", 8192),
            Map.entry("max_position_embeddings", 2048), Map.entry("bos_token_id", 1), Map.entry("eos_token_id", 2));
    /** GPT2Config's defaults for the keys a config may leave out (gpt2's shape), under its own names. */
    private static final Map<String, Number> GPT2_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 50_257), Map.entry("n_embd", 768), Map.entry("n_layer", 12),
            Map.entry("n_head", 12), Map.entry("n_positions", 1024), Map.entry("bos_token_id", 50_256),
            Map.entry("eos_token_id", 50_256));
    /** Where {@link #hunyuan}'s view keeps the alpha of the RoPE it turns into the default one. */
    private static final String NTK_ALPHA = "__invariant_ntk_alpha";

    private HfRelatives() {
    }

    /**
     * GlmForCausalLM (THUDM/glm-4-9b-chat-hf): Qwen2's layer (q/k/v biases, none on o_proj) with gate|up stored fused
     * and RoPE on interleaved pairs of the first half of each head; Glm4ForCausalLM (GLM-4-0414) the same with four
     * norms a layer. A view of {@code c} with GlmConfig's and Glm4Config's defaults where it names none
     * (partial_rotary_factor 0.5, head_dim 128); attention_bias false is refused (the engine's layer has the biases).
     */
    static JsonNode glm(JsonNode c, Path file) {
        if (!c.path("attention_bias").asBoolean(true)) {
            throw HfConfig.format(file, "attention_bias false is not supported for " + HfSemantics.GLM + " and "
                    + HfSemantics.GLM4
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
     * whole head ({@link HfSemantics#rotation}). A view of {@code c} with Ernie4_5Config's defaults where it names none (head_dim
     * 128, tied embeddings); use_bias true is refused (transformers then adds a bias to every projection).
     */
    static JsonNode ernie(JsonNode c, Path file) {
        if (c.path("use_bias").asBoolean(false)) {
            throw HfConfig.format(file, "use_bias " + c.get("use_bias") + " is not supported for "
                    + HfSemantics.ERNIE45 + ":"
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
     * GraniteMoeHybridForCausalLM as Granite's layer: only where every layer is attention ({@code layer_types}
     * "attention", absent: all mamba), none has experts ({@code num_local_experts} 0, absent: 8) and RoPE is on
     * ({@code position_embedding_type} "rope", absent: none); a view of {@code c} whose intermediate_size is its MLP's,
     * {@code shared_intermediate_size} (GraniteMoeHybridConfig's default 1024).
     */
    static JsonNode graniteHybrid(JsonNode c, Path file) {
        JsonNode types = c.path("layer_types");
        boolean attention = types.isArray() && !types.isEmpty();
        for (JsonNode t : types) attention &= t.asText().equals("attention") || t.asText().equals(HfSemantics.FULL);
        if (!attention) {
            throw HfConfig.format(file, "layer_types " + (types.isMissingNode() ? "absent (every layer mamba)" : types)
                    + " is not supported for " + HfSemantics.GRANITE_HYBRID + ": the engine runs its attention-only form"
                    + " (Granite 4.0's dense models), not mamba layers");
        }
        if (c.path("num_local_experts").asInt(8) != 0) {
            throw HfConfig.format(file, "num_local_experts " + c.path("num_local_experts").asInt(8) + " is not"
                    + " supported for " + HfSemantics.GRANITE_HYBRID + ": the engine runs its form without experts (0)");
        }
        if (!c.path("position_embedding_type").asText("").equals("rope")) {
            throw HfConfig.format(file, "position_embedding_type " + c.get("position_embedding_type") + " is not"
                    + " supported for " + HfSemantics.GRANITE_HYBRID + ": the engine runs its form with RoPE (\"rope\")");
        }
        ObjectNode view = c.deepCopy();
        view.put("intermediate_size", c.path("shared_intermediate_size").asInt(1024));
        return view;
    }

    /**
     * GPTNeoXForCausalLM (EleutherAI/pythia-*): a view of {@code c} under the names the engine reads, with
     * GPTNeoXConfig's defaults where it names none: {@code layer_norm_eps} (1e-5) as the norms' epsilon, the older
     * {@code rotary_emb_base} (10000) and {@code rotary_pct} (0.25) as rope_theta and partial_rotary_factor where
     * rope_parameters names neither, one key/value head per head of {@code hidden_size / num_attention_heads} dims (its
     * attention reads no head_dim or num_key_value_heads). attention_bias false is refused (the engine's layer has the
     * biases), and so is an activation other than GELU.
     */
    static JsonNode gptNeox(JsonNode c, Path file) {
        if (!c.path("attention_bias").asBoolean(true)) {
            throw HfConfig.format(file, "attention_bias false is not supported for " + HfSemantics.GPT_NEOX
                    + ": the engine computes its layer with a bias on every projection");
        }
        ObjectNode view = withDefaults(c, GPT_NEOX_DEFAULTS);
        view.remove("head_dim");
        view.remove("num_key_value_heads");
        view.put("rms_norm_eps", c.path("layer_norm_eps").isNumber() ? c.get("layer_norm_eps").asDouble() : 1e-5);
        JsonNode p = c.path("rope_parameters").isObject() && !c.path("rope_parameters").isEmpty()
                ? c.get("rope_parameters") : c.path("rope_scaling");
        if (!p.has("rope_theta") && !c.has("rope_theta")) {
            view.put("rope_theta", c.path("rotary_emb_base").asDouble(10_000));
        }
        if (!p.has("partial_rotary_factor") && !c.has("partial_rotary_factor")) {
            view.put("partial_rotary_factor", c.path("rotary_pct").asDouble(0.25));
        }
        return view;
    }

    /**
     * PhiForCausalLM (microsoft/phi-1, phi-1_5, phi-2): a view of {@code c} with PhiConfig's defaults where it names
     * none: {@code layer_norm_eps} (1e-5) as the norms' epsilon, partial_rotary_factor 0.5. qk_layernorm true is
     * refused (the engine norms no q or k of this layer).
     */
    static JsonNode phi(JsonNode c, Path file) {
        if (c.path("qk_layernorm").asBoolean(false)) {
            throw HfConfig.format(file, "qk_layernorm true is not supported for " + HfSemantics.PHI + ": the engine"
                    + " computes its layer without LayerNorms of q and k");
        }
        ObjectNode view = withDefaults(c, PHI_DEFAULTS);
        view.put("rms_norm_eps", c.path("layer_norm_eps").isNumber() ? c.get("layer_norm_eps").asDouble() : 1e-5);
        JsonNode p = c.path("rope_parameters").isObject() && !c.path("rope_parameters").isEmpty()
                ? c.get("rope_parameters") : c.path("rope_scaling");
        if (!p.has("partial_rotary_factor") && !c.has("partial_rotary_factor")) view.put("partial_rotary_factor", 0.5);
        return view;
    }

    /**
     * GPT2LMHeadModel (openai-community/gpt2): a view of {@code c} under the names the engine reads (GPT2Config's
     * attribute map: n_embd, n_head, n_layer, n_positions; n_inner, absent or null: 4 × n_embd; layer_norm_epsilon),
     * with its defaults where it names none (tied embeddings). scale_attn_weights false, scale_attn_by_inverse_layer_idx
     * true and add_cross_attention true are refused (the engine scales every layer's scores by head_dim^-0.5 alone).
     */
    static JsonNode gpt2(JsonNode c, Path file) {
        for (String key : new String[] {"scale_attn_by_inverse_layer_idx", "add_cross_attention"}) {
            if (c.path(key).asBoolean(false)) {
                throw HfConfig.format(file, key + " true is not supported for " + HfSemantics.GPT2 + ": the engine"
                        + " computes its layer with scores scaled by head_dim^-0.5 and no cross-attention");
            }
        }
        if (!c.path("scale_attn_weights").asBoolean(true)) {
            throw HfConfig.format(file, "scale_attn_weights false is not supported for " + HfSemantics.GPT2 + ": the"
                    + " engine scales the scores by head_dim^-0.5");
        }
        ObjectNode named = withDefaults(c, GPT2_DEFAULTS);
        ObjectNode view = named.deepCopy();
        view.remove(java.util.List.of("head_dim", "num_key_value_heads"));
        view.set("hidden_size", named.get("n_embd"));
        view.set("num_attention_heads", named.get("n_head"));
        view.set("num_hidden_layers", named.get("n_layer"));
        view.set("max_position_embeddings", named.get("n_positions"));
        int inner = c.hasNonNull("n_inner") ? c.get("n_inner").asInt() : 4 * named.get("n_embd").asInt();
        view.put("intermediate_size", inner);
        double eps = c.path("layer_norm_epsilon").isNumber() ? c.get("layer_norm_epsilon").asDouble() : 1e-5;
        view.put("rms_norm_eps", eps);
        if (!c.hasNonNull("tie_word_embeddings")) view.put("tie_word_embeddings", true);
        return view;
    }

    /**
     * The GPT layer of GPT-NeoX, Phi and GPT-2 (in sequence, learned positions, its activation_function: gelu_new by
     * default): whether attention and MLP run in parallel (GPT-NeoX's
     * {@code use_parallel_residual}, default true; Phi's always) and the MLP's activation as transformers' ACT2FN names
     * it ({@code hidden_act}, GPT-NeoX's default gelu: the exact GELU; Phi's gelu_new and gelu_pytorch_tanh: the tanh
     * form).
     */
    static GptBlock gptBlock(Architecture arch, JsonNode c, Path file) {
        boolean gpt2 = arch == Architecture.GPT2;
        JsonNode act = c.get(gpt2 ? "activation_function" : "hidden_act");
        boolean phi = arch == Architecture.PHI;
        String name = act == null || act.isNull() ? phi || gpt2 ? "gelu_new" : "gelu" : act.asText("");
        Activation activation = switch (name) {
            case "gelu" -> Activation.GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw HfConfig.format(file, (gpt2 ? "activation_function " : "hidden_act ") + act
                    + " is not supported for " + arch.hfName()
                    + ": the engine's MLP computes gelu (exact), gelu_new or gelu_pytorch_tanh");
        };
        if (gpt2) return new GptBlock(false, activation, true);
        return new GptBlock(phi || c.path("use_parallel_residual").asBoolean(true), activation);
    }

    /** Whether {@code c} (a top-level config, or Mistral3ForConditionalGeneration's text model) is Ministral 3's. */
    static boolean isMinistral3(String hfName, JsonNode c) {
        return hfName.equals(HfSemantics.MINISTRAL3) || c.path("model_type").asText("").equals("ministral3");
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
        ObjectNode view = withDefaults(c, MINISTRAL3_DEFAULTS);
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

    /** A copy of {@code c} with {@code defaults} where it names none (absent or null). */
    private static ObjectNode withDefaults(JsonNode c, Map<String, Number> defaults) {
        ObjectNode view = c.deepCopy();
        defaults.forEach((key, value) -> {
            if (view.hasNonNull(key)) return;
            view.set(key, value instanceof Integer i ? JsonNodeFactory.instance.numberNode(i)
                    : JsonNodeFactory.instance.numberNode(value.doubleValue()));
        });
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
}
