package dev.invariant.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Typed, strict access to the fields of one JSON object. A value of the wrong JSON type is an INVALID_PARAM error
 * naming the field, never converted: {@code "temperature": "hot"} must not quietly become the default, and
 * {@code "max_tokens": 1.5} must not become 1. An absent field and an explicit {@code null} both mean "not given"
 * (OpenAI's clients send null for unset optional fields). Integers may be written as integral floats
 * ({@code 1e3}), as JSON allows and Python's clients produce.
 */
public final class JsonFields {
    private final JsonNode object;
    private final String prefix;

    /** @param prefix how field names are shown in errors, e.g. {@code "messages[2]."}; empty for the top level */
    public JsonFields(JsonNode object, String prefix) {
        this.object = object;
        this.prefix = prefix;
    }

    public static JsonFields of(JsonNode object) {
        if (object == null || !object.isObject()) {
            throw EngineException.invalid(null, "the request must be a JSON object, got "
                    + (object == null ? "nothing" : describe(object)));
        }
        return new JsonFields(object, "");
    }

    public JsonNode node() {
        return object;
    }

    public boolean has(String name) {
        JsonNode v = object.get(name);
        return v != null && !v.isNull();
    }

    /** The raw value, or empty when absent or null. */
    public Optional<JsonNode> value(String name) {
        return has(name) ? Optional.of(object.get(name)) : Optional.empty();
    }

    public Optional<String> string(String name) {
        return value(name).map(v -> {
            if (!v.isTextual()) throw wrongType(name, "a string", v);
            return v.textValue();
        });
    }

    public Optional<Boolean> bool(String name) {
        return value(name).map(v -> {
            if (!v.isBoolean()) throw wrongType(name, "true or false", v);
            return v.booleanValue();
        });
    }

    /** A number as the float32 the engine computes with: the binary64 JSON number rounded once to binary32. */
    public Optional<Float> number(String name) {
        return value(name).map(v -> toFloat(v, name, name));
    }

    /**
     * An object whose values are numbers (OpenAI's {@code logit_bias}), in the object's key order, each value as
     * {@link #number} reads one; wrong types are errors naming {@code name}.
     */
    public Optional<Map<String, Float>> numberMap(String name, String expected) {
        return value(name).map(v -> {
            if (!v.isObject()) throw wrongType(name, expected, v);
            Map<String, Float> out = new LinkedHashMap<>();
            v.properties().forEach(e -> out.put(e.getKey(), toFloat(e.getValue(), name, name + "[\"" + e.getKey()
                    + "\"]")));
            return out;
        });
    }

    /** @param field the field the error names ({@code param}); @param shown the value's place in the message */
    private float toFloat(JsonNode v, String field, String shown) {
        if (!v.isNumber()) {
            throw EngineException.invalid(prefix + field, "'" + prefix + shown + "' must be a number, got " + describe(v));
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d) || Math.abs(d) > Float.MAX_VALUE) {
            throw EngineException.invalid(prefix + field, "'" + prefix + shown + "' is out of range: " + v);
        }
        return (float) d;
    }

    public Optional<Integer> integer(String name) {
        return int64(name).map(l -> {
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw EngineException.invalid(prefix + name, "'" + prefix + name + "' must be an integer between "
                        + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE + ", got " + l);
            }
            return l.intValue();
        });
    }

    public Optional<Long> int64(String name) {
        return value(name).map(v -> asLong(v, prefix + name));
    }

    /** A string or an array of strings (OpenAI's {@code stop}). */
    public Optional<List<String>> stringOrStrings(String name) {
        return value(name).map(v -> {
            if (v.isTextual()) return List.of(v.textValue());
            if (!v.isArray()) throw wrongType(name, "a string or an array of strings", v);
            var out = new ArrayList<String>();
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) throw wrongType(name + "[" + i + "]", "a string", v.get(i));
                out.add(v.get(i).textValue());
            }
            return out;
        });
    }

    public Optional<List<Integer>> integers(String name) {
        return value(name).map(v -> {
            if (!v.isArray()) throw wrongType(name, "an array of integers", v);
            return ints(v, prefix + name);
        });
    }

    /** The elements of an array of integers (token ids), each checked. */
    static List<Integer> ints(JsonNode array, String field) {
        var out = new ArrayList<Integer>(array.size());
        for (int i = 0; i < array.size(); i++) {
            long l = asLong(array.get(i), field + "[" + i + "]");
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw EngineException.invalid(field, "'" + field + "[" + i + "]' is not a 32-bit integer: " + l);
            }
            out.add((int) l);
        }
        return out;
    }

    private static long asLong(JsonNode v, String field) {
        if (v.isIntegralNumber()) {
            if (!v.canConvertToLong()) {
                throw EngineException.invalid(field, "'" + field + "' does not fit a 64-bit integer: " + v);
            }
            return v.longValue();
        }
        if (v.isNumber()) {
            double d = v.doubleValue();
            // 2^63 itself rounds to a double that is not a long; everything below is exact here
            if (d == Math.rint(d) && Math.abs(d) < 0x1p63) return (long) d;
        }
        throw new EngineException(dev.invariant.engine.ErrorCode.INVALID_PARAM, field,
                "'" + field + "' must be an integer, got " + describe(v));
    }

    public EngineException wrongType(String name, String expected, JsonNode got) {
        return EngineException.invalid(prefix + name, "'" + prefix + name + "' must be " + expected + ", got "
                + describe(got));
    }

    /** A JSON value as an error message shows it: its type and, when short, itself. */
    static String describe(JsonNode v) {
        String type = switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
        String text = v.toString();
        return text.length() <= 40 ? type + " (" + text + ")" : type;
    }
}
