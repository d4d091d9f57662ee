package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gemma 3's, Gemma 2's and Gemma 1's {@code config.json} keys, in both spellings transformers 5 reads
 * (Gemma3TextConfig, Gemma2Config, GemmaConfig): the hub's ({@code rope_theta}, Gemma 3's {@code rope_local_base_freq}, {@code rope_scaling},
 * {@code layer_types} or Gemma 3's {@code sliding_window_pattern}) and its own ({@code rope_parameters}, per layer
 * type for Gemma 3); defaults are those classes'.
 */
final class HfGemma {

    /**
     * Gemma3TextConfig's defaults for the keys a config may leave out: google's Gemma 3 4B, 12B and 27B configs
     * leave most of their text model's keys out (the heads, head_dim, the vocabulary, the norms' epsilon).
     */
    private static final Map<String, Number> GEMMA3_TEXT_DEFAULTS = Map.ofEntries(
            Map.entry("vocab_size", 262_208), Map.entry("hidden_size", 2304), Map.entry("intermediate_size", 9216),
            Map.entry("num_hidden_layers", 26), Map.entry("num_attention_heads", 8),
            Map.entry("num_key_value_heads", 4), Map.entry("head_dim", 256),
            Map.entry("max_position_embeddings", 131_072), Map.entry("rms_norm_eps", 1e-6),
            Map.entry("bos_token_id", 2), Map.entry("eos_token_id", 1));

    private HfGemma() {
    }

    /**
     * Gemma 3's text model's keys, each absent one at Gemma3TextConfig's default: a Gemma3ForCausalLM config's own,
     * or Gemma3ForConditionalGeneration's ({@link HfConfig#textConfig}).
     */
    static JsonNode gemma3Text(JsonNode c, Path file) {
        ObjectNode view;
        if (c.path("text_config").isMissingNode() || c.path("text_config").isNull()) {
            view = c.deepCopy();
        } else {
            view = HfConfig.textConfig(c, file);
            // transformers' Gemma3ForConditionalGeneration returns lm_head's logits uncapped, whatever the text
            // model's final_logit_softcapping says (google's configs leave it null: the same either way)
            view.putNull("final_logit_softcapping");
        }
        GEMMA3_TEXT_DEFAULTS.forEach((key, value) -> {
            if (view.has(key)) return;
            view.set(key, value instanceof Integer i ? JsonNodeFactory.instance.numberNode(i)
                    : JsonNodeFactory.instance.numberNode(value.doubleValue()));
        });
        return view;
    }

    /** Refuses what transformers would compute differently from the engine for a Gemma config. */
    static void refuseUnsupported(Architecture arch, JsonNode c, Path file) {
        JsonNode act = c.get("hidden_activation");
        // Gemma 1: transformers 5's GemmaMLP reads hidden_act; a hidden_activation (1.1's configs) is left unread
        if (arch != Architecture.GEMMA && act != null && !(act.isTextual() && act.asText().equals("gelu_pytorch_tanh"))) {
            throw HfConfig.format(file, "hidden_activation " + act + " is not supported: the engine's Gemma MLP is"
                    + " down(gelu_tanh(gate) * up) (hidden_activation gelu_pytorch_tanh)");
        }
        JsonNode cap = c.get("attn_logit_softcapping");
        if (arch == Architecture.GEMMA3 && cap != null && !cap.isNull()) {
            throw HfConfig.format(file, "attn_logit_softcapping " + cap + " is not supported: the engine's"
                    + " attention scores are not capped (Gemma 3's checkpoints set null)");
        }
        if (c.path("use_bidirectional_attention").asBoolean(false)) {
            throw HfConfig.format(file, "use_bidirectional_attention true is not supported: the engine decodes"
                    + " causally (that setting is for embedding models)");
        }
        if (c.path("attention_bias").asBoolean(false)) {
            throw HfConfig.format(file, "attention_bias " + c.get("attention_bias") + " is not supported for"
                    + " " + arch.hfName() + ": the engine has no q/k/v/o biases for it");
        }
    }

    /**
     * The full-attention layers' RoPE (Gemma 2: every layer's): the hub's top-level keys, or
     * rope_parameters.full_attention. Gemma 2's is never scaled in transformers' checkpoints, and refused if it is.
     */
    static HfRope.Rope fullRope(Architecture arch, JsonNode c, int maxPositions) {
        ObjectNode view = HfRope.fullLayers(c).deepCopy();
        if (!view.has("rope_theta") && !view.path("rope_parameters").has("rope_theta")) {
            view.put("rope_theta", arch == Architecture.GEMMA3 ? 1_000_000.0 : 10_000.0);
        }
        HfRope.Rope rope = HfRope.read(view, maxPositions);
        if (arch != Architecture.GEMMA3 && rope.scaling() != RopeScaling.NONE) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "config.json: a scaled RoPE is not supported for "
                    + arch.hfName() + " (its checkpoints use the default)");
        }
        return rope;
    }

    /** @param theta the full layers' RoPE base: Gemma 2's sliding layers use it too */
    static Gemma read(Architecture arch, JsonNode c, double theta, int headDim, Path file) {
        if (arch == Architecture.GEMMA) return new Gemma(headDim, theta, 0f, 0f, gemma1Activation(c, file));
        boolean three = arch == Architecture.GEMMA3;
        return new Gemma(number(c, "query_pre_attn_scalar", 256, file),
                three ? localTheta(c, file) : theta,
                softcap(c, "final_logit_softcapping", three ? 0 : 30, file),
                three ? 0f : softcap(c, "attn_logit_softcapping", 50, file), Activation.GELU_TANH);
    }

    /**
     * Gemma 1's GELU as transformers 5 computes it: {@code hidden_act} (GemmaConfig's default gelu_pytorch_tanh), which
     * google's configs set to {@code gelu}, the exact form.
     */
    private static Activation gemma1Activation(JsonNode c, Path file) {
        JsonNode act = c.get("hidden_act");
        if (act == null || act.isNull() || act.isTextual() && act.asText().equals("gelu_pytorch_tanh")) {
            return Activation.GELU_TANH;
        }
        if (act.isTextual() && act.asText().equals("gelu")) return Activation.GELU_ERF;
        throw HfConfig.format(file, "hidden_act " + act + " is not supported for GemmaForCausalLM: the engine's"
                + " Gemma MLP is down(gelu(gate) * up), gelu exact (gelu) or in its tanh form (gelu_pytorch_tanh)");
    }

    /** Gemma's window (default 4096) and its sliding layers; Gemma 1 has none. */
    static SlidingWindow window(Architecture arch, JsonNode c, int layers, Path file) {
        if (arch == Architecture.GEMMA) return SlidingWindow.NONE;
        return new SlidingWindow(positiveInt(c, "sliding_window", 4096, file),
                slidingLayers(c, layers, arch == Architecture.GEMMA3 ? 6 : 2, file));
    }

    /** A cap: the class's default when the key is absent, none (0) when it is null. */
    private static float softcap(JsonNode c, String key, float absent, Path file) {
        JsonNode n = c.get(key);
        if (n == null) return absent;
        return (float) number(c, key, 0, file);
    }

    /** rope_parameters.sliding_attention (default type only), else rope_local_base_freq. */
    private static double localTheta(JsonNode c, Path file) {
        JsonNode p = c.path("rope_parameters").path(HfSemantics.SLIDING);
        if (p.isObject()) {
            JsonNode type = p.path("rope_type").isMissingNode() ? p.path("type") : p.path("rope_type");
            if (!type.isMissingNode() && !type.isNull() && !type.asText().equals("default")) {
                throw HfConfig.format(file, "rope_parameters.sliding_attention rope_type " + type + " is not"
                        + " supported: the sliding layers' RoPE is unscaled (default) in every Gemma 3 checkpoint");
            }
            if (p.has("rope_theta")) return number(p, "rope_theta", 10_000, file);
        }
        return number(c, "rope_local_base_freq", 10_000, file);
    }

    /**
     * layer_types, else every pattern-th layer full: Gemma 3's sliding_window_pattern (default 6), Gemma 2's 2
     * (its config has no such key: even-numbered layers slide).
     */
    private static List<Boolean> slidingLayers(JsonNode c, int layers, int defaultPattern, Path file) {
        if (c.path("layer_types").isArray()) return HfSemantics.layerTypes(c, layers, file);
        List<Boolean> sliding = new ArrayList<>(layers);
        JsonNode pattern = c.has("sliding_window_pattern") ? c.get("sliding_window_pattern")
                : c.path("_sliding_window_pattern");
        int every = pattern.isMissingNode() || pattern.isNull() || defaultPattern == 2 ? defaultPattern
                : pattern.asInt(0);
        if (every <= 0) {
            throw HfConfig.format(file, "sliding_window_pattern must be a positive integer, got " + pattern);
        }
        for (int i = 0; i < layers; i++) sliding.add((i + 1) % every != 0);
        return sliding;
    }

    private static int positiveInt(JsonNode c, String key, int absent, Path file) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        if (!n.isInt() || n.asInt() <= 0) {
            throw HfConfig.format(file, "'" + key + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode c, String key, double absent, Path file) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        if (!n.isNumber()) throw HfConfig.format(file, "'" + key + "' must be a number or null, got " + n);
        return n.asDouble();
    }
}
