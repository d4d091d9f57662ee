package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Gemma 3's {@code config.json} keys, in both spellings transformers 5 reads (Gemma3TextConfig): the hub's
 * ({@code rope_theta}, {@code rope_local_base_freq}, {@code rope_scaling}, {@code layer_types} or
 * {@code sliding_window_pattern}) and its own ({@code rope_parameters} per layer type); defaults are that class's.
 */
final class HfGemma {
    private static final String FULL = "full_attention";
    private static final String SLIDING = "sliding_attention";

    private HfGemma() {
    }

    /** Refuses what transformers would compute differently from the engine for a Gemma 3 config. */
    static void refuseUnsupported(JsonNode c, Path file) {
        JsonNode act = c.get("hidden_activation");
        if (act != null && !(act.isTextual() && act.asText().equals("gelu_pytorch_tanh"))) {
            throw HfConfig.format(file, "hidden_activation " + act + " is not supported: the engine's Gemma MLP is"
                    + " down(gelu_tanh(gate) * up) (hidden_activation gelu_pytorch_tanh)");
        }
        JsonNode cap = c.get("attn_logit_softcapping");
        if (cap != null && !cap.isNull()) {
            throw HfConfig.format(file, "attn_logit_softcapping " + cap + " is not supported: the engine's"
                    + " attention scores are not capped (Gemma 3's checkpoints set null)");
        }
        if (c.path("use_bidirectional_attention").asBoolean(false)) {
            throw HfConfig.format(file, "use_bidirectional_attention true is not supported: the engine decodes"
                    + " causally (that setting is for embedding models)");
        }
        if (c.path("attention_bias").asBoolean(false)) {
            throw HfConfig.format(file, "attention_bias " + c.get("attention_bias") + " is not supported for"
                    + " Gemma3ForCausalLM: the engine has no q/k/v/o biases for it");
        }
    }

    /** The full-attention layers' RoPE: the hub's top-level keys, or rope_parameters.full_attention. */
    static HfRope.Rope fullRope(JsonNode c, int maxPositions) {
        JsonNode perType = c.path("rope_parameters");
        ObjectNode view = c.deepCopy();
        if (perType.has(FULL) || perType.has(SLIDING)) view.set("rope_parameters", perType.path(FULL));
        if (!view.has("rope_theta") && !view.path("rope_parameters").has("rope_theta")) {
            view.put("rope_theta", 1_000_000.0);
        }
        return HfRope.read(view, maxPositions);
    }

    static Gemma read(JsonNode c, int layers, Path file) {
        return new Gemma(number(c, "query_pre_attn_scalar", 256, file),
                positiveInt(c, "sliding_window", 4096, file),
                slidingLayers(c, layers, file),
                localTheta(c, file),
                (float) number(c, "final_logit_softcapping", 0, file));
    }

    /** rope_parameters.sliding_attention (default type only), else rope_local_base_freq. */
    private static double localTheta(JsonNode c, Path file) {
        JsonNode p = c.path("rope_parameters").path(SLIDING);
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

    /** layer_types, else every sliding_window_pattern-th layer full (Gemma3TextConfig's default pattern 6). */
    private static List<Boolean> slidingLayers(JsonNode c, int layers, Path file) {
        List<Boolean> sliding = new ArrayList<>(layers);
        JsonNode types = c.path("layer_types");
        if (types.isArray()) {
            if (types.size() != layers) {
                throw HfConfig.format(file, "layer_types has " + types.size() + " entries for " + layers + " layers");
            }
            for (JsonNode t : types) {
                if (!t.asText().equals(FULL) && !t.asText().equals(SLIDING)) {
                    throw HfConfig.format(file, "layer_types entry " + t + " is not " + FULL + " or " + SLIDING);
                }
                sliding.add(t.asText().equals(SLIDING));
            }
            return sliding;
        }
        JsonNode pattern = c.has("sliding_window_pattern") ? c.get("sliding_window_pattern")
                : c.path("_sliding_window_pattern");
        int every = pattern.isMissingNode() || pattern.isNull() ? 6 : pattern.asInt(0);
        if (every <= 0) throw HfConfig.format(file, "sliding_window_pattern must be a positive integer, got " + pattern);
        for (int i = 0; i < layers; i++) sliding.add((i + 1) % every != 0);
        return sliding;
    }

    private static int positiveInt(JsonNode c, String key, int absent, Path file) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        if (!n.isInt() || n.asInt() <= 0) throw HfConfig.format(file, "'" + key + "' must be a positive integer, got " + n);
        return n.asInt();
    }

    private static double number(JsonNode c, String key, double absent, Path file) {
        JsonNode n = c.get(key);
        if (n == null || n.isNull()) return absent;
        if (!n.isNumber()) throw HfConfig.format(file, "'" + key + "' must be a number or null, got " + n);
        return n.asDouble();
    }
}
