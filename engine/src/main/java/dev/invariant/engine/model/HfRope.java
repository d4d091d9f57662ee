package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.Iterator;

/**
 * RoPE's theta and scaling from {@code config.json}, in both spellings transformers 5 reads
 * ({@code configuration_utils} / {@code modeling_rope_utils}): {@code rope_parameters: {rope_type, rope_theta, ...}},
 * and older configs' top-level {@code rope_theta} with {@code rope_scaling: {rope_type or type, factor, ...}}.
 */
final class HfRope {
    private static final String SUPPORTED = "supported are default, linear, llama3, longrope and yarn";

    /** theta and the scaling of its inverse frequencies. */
    record Rope(double theta, RopeScaling scaling) {
    }

    private final JsonNode config;
    private final JsonNode params;
    private final String where;

    private HfRope(JsonNode config) {
        // transformers: a non-empty rope_scaling takes the place of rope_parameters
        JsonNode legacy = config.path("rope_scaling");
        boolean useLegacy = legacy.isObject() && !legacy.isEmpty();
        this.config = config;
        this.where = useLegacy ? "rope_scaling" : "rope_parameters";
        this.params = useLegacy ? legacy : config.path("rope_parameters");
    }

    /**
     * {@code c} as its full-attention layers read it: where rope_parameters holds parameters per layer type
     * (transformers 5 saves Gemma's and OLMo 3's so), its full_attention entry in its place; else {@code c}.
     */
    static JsonNode fullLayers(JsonNode c) {
        JsonNode perType = c.path("rope_parameters");
        if (!perType.has(HfSemantics.FULL) && !perType.has(HfSemantics.SLIDING)) return c;
        return ((com.fasterxml.jackson.databind.node.ObjectNode) c.deepCopy()).set("rope_parameters",
                perType.path(HfSemantics.FULL));
    }

    /** @param maxPositions {@code max_position_embeddings} as written (llama3's default original context) */
    static Rope read(JsonNode config, int maxPositions) {
        return new HfRope(config).read(maxPositions);
    }

    private Rope read(int maxPositions) {
        if (!params.isMissingNode() && !params.isNull() && !params.isObject()) {
            throw fail(where + " must be an object, got " + params);
        }
        for (Iterator<String> keys = params.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (params.get(key).isObject()) throw fail(where + " holds parameters per layer type ('" + key + "')"
                    + ": not supported");
        }
        double theta = number(params, "rope_theta", number(config, "rope_theta", 10000.0));
        double partial = number(params, "partial_rotary_factor", number(config, "partial_rotary_factor", 1.0));
        if (!(partial > 0 && partial <= 1)) throw fail("partial_rotary_factor must be in (0, 1], got " + partial);
        String type = type();
        RopeScaling scaling = switch (type) {
            case "default" -> RopeScaling.NONE;
            case "linear" -> RopeScaling.linear(required("factor"));
            case "llama3" -> RopeScaling.llama3(required("factor"), required("low_freq_factor"),
                    required("high_freq_factor"), originalContext(maxPositions));
            case "longrope" -> longrope(maxPositions);
            case "yarn" -> yarn(maxPositions);
            default -> throw fail(where + " " + typeKey() + " '" + type + "' is not supported: " + SUPPORTED
                    + " (fixed per frequency, so one table serves every length; longrope within its original context)");
        };
        return new Rope(theta, partial == 1.0 ? scaling : scaling.withRotation(partial, false));
    }

    /** rope_type, else the older 'type', else default (transformers' standardize_rope_params). */
    private String type() {
        for (String key : new String[] {"rope_type", "type"}) {
            JsonNode v = params.path(key);
            if (v.isMissingNode() || v.isNull()) continue;
            if (!v.isTextual()) throw fail(where + " '" + key + "' must be a string, got " + v);
            return v.asText();
        }
        return "default";
    }

    /** The key the type was read from, to name it in a refusal as the config spells it. */
    private String typeKey() {
        JsonNode v = params.path("rope_type");
        return v.isMissingNode() || v.isNull() ? "type" : "rope_type";
    }

    /**
     * longrope as transformers computes it (_compute_longrope_parameters) for sequences no longer than its original
     * context, the only ones the engine gives it (HfConfig): short_factor, and attention_factor, else, where
     * original_max_position_embeddings is named, sqrt(1 + ln(f) / ln(original)) with f = max_position_embeddings /
     * original (else the scaling's factor) when f > 1, else 1. long_factor (beyond the original context) is not read.
     */
    private RopeScaling longrope(int maxPositions) {
        JsonNode listed = params.path("short_factor");
        if (!listed.isArray()) throw fail(where + " 'short_factor' must be a list of numbers, got " + listed);
        java.util.List<Double> factors = new java.util.ArrayList<>();
        for (JsonNode f : listed) {
            if (!f.isNumber()) throw fail(where + " 'short_factor' must be a list of numbers, got " + f);
            factors.add(f.asDouble());
        }
        String key = "original_max_position_embeddings";
        boolean named = !config.path(key).isMissingNode() && !config.path(key).isNull()
                || !params.path(key).isMissingNode() && !params.path(key).isNull();
        int original = originalContext(maxPositions);
        double f = named ? (double) maxPositions / original : number(params, "factor", 1.0);
        double attention = number(params, "attention_factor",
                f > 1.0 ? StrictMath.sqrt(1 + StrictMath.log(f) / StrictMath.log(original)) : 1.0);
        return RopeScaling.longrope(factors, attention, original);
    }

    /**
     * _compute_yarn_parameters (transformers 5.17): factor, else max_position_embeddings / the original context;
     * attention_factor, else get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim) when both are set (and
     * not 0), else get_mscale(factor), with get_mscale(s, m) = 0.1 * m * ln(s) + 1 for s > 1, else 1; beta_fast and
     * beta_slow 32 and 1 when absent or 0; truncate true when absent.
     */
    private RopeScaling yarn(int maxPositions) {
        int original = originalContext(maxPositions);
        double factor = number(params, "factor", (double) maxPositions / original);
        double mscale = number(params, "mscale", 0);
        double mscaleAllDim = number(params, "mscale_all_dim", 0);
        double attention = number(params, "attention_factor", mscale != 0 && mscaleAllDim != 0
                ? mscale(factor, mscale) / mscale(factor, mscaleAllDim) : mscale(factor, 1));
        double betaFast = number(params, "beta_fast", 0);
        double betaSlow = number(params, "beta_slow", 0);
        JsonNode truncate = params.path("truncate");
        if (!truncate.isMissingNode() && !truncate.isNull() && !truncate.isBoolean()) {
            throw fail(where + " 'truncate' must be true or false, got " + truncate);
        }
        return RopeScaling.yarn(factor, betaFast == 0 ? 32 : betaFast, betaSlow == 0 ? 1 : betaSlow, original,
                attention, truncate.asBoolean(true));
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * StrictMath.log(scale) + 1.0;
    }

    /** transformers 5 prefers a top-level original_max_position_embeddings, then the scaling's, then the context. */
    private int originalContext(int maxPositions) {
        String key = "original_max_position_embeddings";
        double v = number(config, key, number(params, key, maxPositions));
        if (v != Math.rint(v) || v > Integer.MAX_VALUE) throw fail(key + " must be an integer, got " + v);
        return (int) v;
    }

    private double required(String key) {
        double v = number(params, key, Double.NaN);
        if (Double.isNaN(v)) throw fail(where + " '" + key + "' is missing: " + typeKey() + " " + type() + " needs it");
        return v;
    }

    private double number(JsonNode n, String key, double absent) {
        JsonNode v = n.path(key);
        if (v.isMissingNode() || v.isNull()) return absent;
        if (!v.isNumber()) throw fail((n == config ? "" : where + " ") + "'" + key + "' must be a number, got " + v);
        return v.asDouble();
    }

    /** Worded as ModelConfig's and RopeScaling's checks are; HfConfig puts the folder in front. */
    private static EngineException fail(String what) {
        return new EngineException(ErrorCode.MODEL_FORMAT, "config.json: " + what);
    }
}
