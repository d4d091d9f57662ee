package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * {@code oneOf} asks that a value match exactly one alternative; a regex can only say "at least one". The two agree
 * when no value can match two alternatives, which is checked here rather than assumed, in the two shapes generators
 * write: objects told apart by a required property of distinct constant values (pydantic's discriminated unions,
 * {@code Field(discriminator=...)}, OpenAPI's {@code discriminator}), and alternatives of distinct plain types.
 */
final class OneOf {
    private OneOf() {
    }

    /**
     * Why the alternatives may overlap, or null when no value can match two of them.
     *
     * @param resolve follows a schema's {@code $ref}s to the schema they name
     * @param discriminator {@code discriminator.propertyName}, or null
     */
    static String overlap(List<JsonNode> alternatives, String discriminator, UnaryOperator<JsonNode> resolve) {
        List<JsonNode> alts = new ArrayList<>();
        for (JsonNode a : alternatives) alts.add(resolve.apply(a));
        if (discriminator != null) {
            return byProperty(alts, discriminator, resolve) ? null : "the alternatives do not all require \""
                    + discriminator + "\" with a const (or enum) value of its own";
        }
        if (distinctTypes(alts)) return null;
        JsonNode first = alts.getFirst().path("properties");
        var names = first.fieldNames();
        while (names.hasNext()) if (byProperty(alts, names.next(), resolve)) return null;
        return "no property tells the alternatives apart (each requiring it with a const or enum value of its own),"
                + " and their types are not distinct";
    }

    /** Every alternative an object that requires {@code name} with constant values no other alternative has. */
    private static boolean byProperty(List<JsonNode> alts, String name, UnaryOperator<JsonNode> resolve) {
        Set<String> seen = new HashSet<>();
        for (JsonNode a : alts) {
            if (!a.path("type").asText().equals("object") || !required(a, name)) return false;
            JsonNode p = resolve.apply(a.path("properties").path(name));
            List<JsonNode> values = new ArrayList<>();
            if (p.has("const")) values.add(p.get("const"));
            else if (p.path("enum").isArray()) p.get("enum").forEach(values::add);
            else return false;
            for (JsonNode v : values) if (!seen.add(key(v))) return false;
        }
        return true;
    }

    /** Values equal as JSON Schema compares them (1 and 1.0 alike) have one key. */
    private static String key(JsonNode v) {
        return v.isNumber() ? "n" + v.decimalValue().stripTrailingZeros().toPlainString() : CanonicalJson.compact(v);
    }

    private static boolean required(JsonNode object, String name) {
        for (JsonNode r : object.path("required")) if (r.asText().equals(name)) return true;
        return false;
    }

    /** Each alternative one plain type (no enum or const) and no two alike; integer and number overlap. */
    private static boolean distinctTypes(List<JsonNode> alts) {
        Set<String> types = new HashSet<>();
        for (JsonNode a : alts) {
            JsonNode t = a.get("type");
            if (t == null || !t.isTextual() || a.has("enum") || a.has("const")) return false;
            String type = t.asText().equals("integer") ? "number" : t.asText();
            if (!types.add(type)) return false;
        }
        return true;
    }
}
