package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;

/**
 * Architectures the engine reads as another's layer (GLM as Qwen2's, ERNIE 4.5 as Llama's, Granite 4.0's dense form
 * as Granite's, Ministral 3 as Mistral's) or with a value set aside (HunYuan's NTK alpha): each a view of its
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
    static ObjectNode withDefaults(JsonNode c, Map<String, Number> defaults) {
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
