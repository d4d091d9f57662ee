package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** A JSON schema's arrays (items, prefixItems tuples, their counts) and maps (additionalProperties) as regexes. */
final class SchemaCollections {
    private SchemaCollections() {
    }

    static String array(SchemaParts c, JsonNode s, String path, int depth) {
        int min = c.count(s, "minItems", 0, path);
        int max = c.count(s, "maxItems", -1, path);
        if (max >= 0 && max < min) throw c.refuse(path, "maxItems is below minItems");
        if (s.has("prefixItems")) return tuple(c, s, path, depth, min, max);
        if (!s.has("items")) throw c.refuse(path, "an array schema needs items (the schema of its elements)");
        String item = c.value(s.get("items"), path + "/items", depth + 1);
        if (max == 0) return "\\[\\]";
        int from = Math.max(min - 1, 0);
        String more = "(?:" + JsonSchemaRegex.COMMA + item + ")";
        String body = item + more + (max < 0 ? "{" + from + ",}" : "{" + from + "," + (max - 1) + "}");
        return "\\[" + (min == 0 ? "(?:" + body + ")?" : body) + "\\]";
    }

    /**
     * A tuple: the {@code prefixItems} in order, always all of them (a shorter array would be valid too, but is not
     * generated); after them nothing when {@code items} is false or absent (as an absent additionalProperties closes
     * an object), else any number of {@code items}; minItems/maxItems count the whole array.
     */
    private static String tuple(SchemaParts c, JsonNode s, String path, int depth, int min, int max) {
        JsonNode prefix = s.get("prefixItems");
        if (!prefix.isArray() || prefix.isEmpty()) {
            throw c.refuse(path, "prefixItems must be a non-empty list of schemas");
        }
        int n = prefix.size();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) parts.add(c.value(prefix.get(i), path + "/prefixItems/" + i, depth + 1));
        String head = "\\[" + String.join(JsonSchemaRegex.COMMA, parts);
        JsonNode items = s.get("items");
        if (max >= 0 && max < n) {
            throw c.refuse(path, "maxItems is below the number of prefixItems, which are always generated");
        }
        if (items == null || items.isBoolean() && !items.asBoolean()) {
            if (min > n) {
                throw c.refuse(path, "minItems is above the number of prefixItems, and items is false or absent");
            }
            return head + "\\]";
        }
        if (items.isBoolean()) {
            throw c.refuse(path, "items true after prefixItems is not supported (any JSON value cannot be enforced):"
                    + " give items a schema, or false");
        }
        String item = c.value(items, path + "/items", depth + 1);
        int from = Math.max(min - n, 0);
        return head + "(?:" + JsonSchemaRegex.COMMA + item + "){" + from + "," + (max < 0 ? "" : max - n) + "}\\]";
    }

    /** Whether an object schema is a map: no properties, and additionalProperties a schema for every value. */
    static boolean isMap(JsonNode s) {
        JsonNode props = s.get("properties");
        return (props == null || props.isObject() && props.isEmpty()) && s.has("additionalProperties")
                && s.get("additionalProperties").isObject();
    }

    /**
     * A map (pydantic's {@code dict[str, V]}): any keys, each value of the additionalProperties schema. A regex
     * cannot keep keys distinct: a key may repeat (JSON allows it; parsers keep one, the last in Python, Jackson and
     * JavaScript, and every value satisfies the schema), so a repeated key counts once and minProperties above 1
     * is refused; maxProperties holds whatever repeats.
     */
    static String map(SchemaParts c, JsonNode s, String path, int depth) {
        int min = c.count(s, "minProperties", 0, path);
        int max = c.count(s, "maxProperties", -1, path);
        if (max >= 0 && max < min) throw c.refuse(path, "maxProperties is below minProperties");
        if (min > 1) {
            throw c.refuse(path, "minProperties above 1 is not supported for a map: a regex cannot keep keys"
                    + " distinct, and a repeated key counts once");
        }
        if (max == 0) return "\\{\\}";
        String value = c.value(s.get("additionalProperties"), path + "/additionalProperties", depth + 1);
        String pair = "\"" + JsonSchemaRegex.STRING_CHAR + "*\"" + JsonSchemaRegex.COLON + value;
        String body = pair + "(?:" + JsonSchemaRegex.COMMA + pair + ")" + (max < 0 ? "*" : "{0," + (max - 1) + "}");
        return "\\{" + (min == 0 ? "(?:" + body + ")?" : body) + "\\}";
    }
}
