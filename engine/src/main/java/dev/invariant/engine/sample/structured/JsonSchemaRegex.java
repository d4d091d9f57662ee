package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.invariant.engine.EngineException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A JSON schema as a regex, as outlines builds it: an object spells its {@code properties} in declared order,
 * each {@code required} one always, the others optionally; no property outside {@code properties}. Whitespace: none,
 * except one optional space after {@code ,} and {@code :}. Supported: {@code type} (string, number, integer, boolean,
 * null, array, object, or a list of them), {@code enum}, {@code const}, {@code anyOf}, {@code oneOf} of alternatives
 * no value can match two of ({@link OneOf}), {@code allOf} of one schema, strings' {@code format}, {@code pattern}
 * and lengths ({@link SchemaStrings}), integer bounds ({@link IntegerRange}), whole-number bounds on numbers
 * ({@link NumberRange}), arrays and maps ({@link SchemaCollections}), {@code properties}, {@code required},
 * {@code additionalProperties: false}, local {@code $ref}s into {@code $defs}/{@code definitions}. Any other keyword
 * is refused (named, with what to do), never ignored, so an output this engine returns always satisfies the schema
 * it was given.
 */
final class JsonSchemaRegex implements SchemaParts {
    /**
     * One character of a JSON string: raw, or escaped; {@code \\u} escapes of surrogates (D800-DFFF) are left out, so
     * that each match is one code point, as minLength/maxLength count them (and a lone surrogate is no character).
     */
    static final String STRING_CHAR = "(?:[^\"\\\\\\x00-\\x1f]|\\\\[\"\\\\/bfnrt]"
            + "|\\\\u(?:[0-9a-cA-Ce-fE-F][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))";
    static final String INTEGER = "-?(?:0|[1-9][0-9]*)";
    static final String NUMBER = INTEGER + "(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?";
    static final String COMMA = ", ?";
    static final String COLON = ": ?";
    /** Nesting of schemas at most. */
    static final int MAX_DEPTH = 32;
    /** Largest minItems/maxItems/minLength/maxLength accepted, as regex repeat counts are bounded. */
    static final int MAX_COUNT = 100;

    /** Keywords that do not constrain the output (definitions count once a $ref uses them). */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "examples", "default", "$defs", "definitions");

    private final String field;
    private final JsonNode root;
    /** The references being expanded, outermost first: one met again is a recursive schema. */
    private final ArrayDeque<String> expanding = new ArrayDeque<>();

    private JsonSchemaRegex(String field, JsonNode root) {
        this.field = field;
        this.root = root;
    }

    static String of(String field, JsonNode schema) {
        JsonSchemaRegex r = new JsonSchemaRegex(field, schema);
        if (!schema.isObject()) throw r.refuse("", "a schema must be a JSON object");
        return r.value(schema, "", 0);
    }

    /**
     * A local reference, {@code #/$defs/NAME} or {@code #/definitions/NAME} (what pydantic and OpenAI's SDKs write).
     */
    private JsonNode resolve(JsonNode ref, String path) {
        String r = ref.asText("");
        for (String prefix : new String[] {"#/$defs/", "#/definitions/"}) {
            if (r.startsWith(prefix)) {
                JsonNode target = root.path(prefix.substring(2, prefix.length() - 1)).get(r.substring(prefix.length()));
                if (target != null) return target;
            }
        }
        throw refuse(path, "$ref \"" + r + "\" does not name a schema under $defs or definitions of the root (other"
                + " references are not supported)");
    }

    /** The schema a chain of {@code $ref}s ends at (a cycle stops at the depth bound; value() names it). */
    private JsonNode follow(JsonNode s, String path) {
        for (int i = 0; s.isObject() && s.has("$ref") && i <= MAX_DEPTH; i++) s = resolve(s.get("$ref"), path);
        return s;
    }

    @Override
    public String value(JsonNode s, String path, int depth) {
        if (depth > MAX_DEPTH) throw refuse(path, "schemas nested deeper than " + MAX_DEPTH + " are not supported");
        if (!s.isObject()) throw refuse(path, "a schema must be a JSON object");
        if (s.has("$ref")) {
            String ref = s.get("$ref").asText("");
            if (expanding.contains(ref)) {
                // every expansion of a cycle contains the cycle again: a regex cannot nest without bound
                throw refuse(path, "the $ref \"" + ref + "\" is recursive (" + String.join(" -> ", expanding) + " -> "
                        + ref + "): a regex cannot nest without bound; unroll the schema to a fixed depth");
            }
            expanding.addLast(ref);
            String regex = value(resolve(s.get("$ref"), path), path + "/$ref", depth + 1);
            expanding.removeLast();
            return only(s, path, Set.of("$ref"), regex);
        }
        if (s.has("enum")) return only(s, path, Set.of("enum", "type"), enumeration(s.get("enum"), s.get("type"), path));
        if (s.has("const")) {
            var one = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(s.get("const"));
            return only(s, path, Set.of("const", "type"), enumeration(one, s.get("type"), path));
        }
        if (s.has("allOf")) {
            // pydantic v1 and some generators wrap a $ref so; more than one would need the schemas intersected
            JsonNode all = s.get("allOf");
            if (!all.isArray() || all.size() != 1) {
                throw refuse(path, "allOf is supported with exactly one schema (then it is that schema): merge the"
                        + " others into it");
            }
            return only(s, path, Set.of("allOf"), value(all.get(0), path + "/allOf/0", depth + 1));
        }
        if (s.has("oneOf")) {
            JsonNode options = s.get("oneOf");
            if (!options.isArray() || options.isEmpty()) throw refuse(path, "oneOf must be a non-empty list of schemas");
            List<JsonNode> list = new ArrayList<>();
            options.forEach(list::add);
            JsonNode d = s.path("discriminator").path("propertyName");
            String overlap = OneOf.overlap(list, d.isTextual() ? d.asText() : null, n -> follow(n, path));
            if (overlap != null) {
                throw refuse(path, "oneOf is supported when no value can match two alternatives, and here " + overlap
                        + "; write anyOf if a value may match several");
            }
            List<String> alts = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) alts.add(value(options.get(i), path + "/oneOf/" + i, depth + 1));
            return only(s, path, Set.of("oneOf", "discriminator"), "(?:" + String.join("|", alts) + ")");
        }
        if (s.has("anyOf")) {
            JsonNode options = s.get("anyOf");
            if (!options.isArray() || options.isEmpty()) throw refuse(path, "anyOf must be a non-empty list of schemas");
            List<String> alts = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) alts.add(value(options.get(i), path + "/anyOf/" + i, depth + 1));
            return only(s, path, Set.of("anyOf"), "(?:" + String.join("|", alts) + ")");
        }
        JsonNode type = s.get("type");
        if (type == null) {
            throw refuse(path, "give a type (or enum, const, anyOf): a schema that allows any JSON value cannot be"
                    + " enforced; for any JSON object use response_format {\"type\": \"json_object\"}");
        }
        if (type.isArray()) {
            List<String> alts = new ArrayList<>();
            for (JsonNode t : type) {
                var one = ((com.fasterxml.jackson.databind.node.ObjectNode) s.deepCopy()).put("type", t.asText());
                alts.add(value(one, path, depth + 1));
            }
            if (alts.isEmpty()) throw refuse(path, "type must not be an empty list");
            return "(?:" + String.join("|", alts) + ")";
        }
        return switch (type.asText()) {
            case "string" -> only(s, path, Set.of("type", "minLength", "maxLength", "format", "pattern"),
                    string(s, path));
            case "integer" -> only(s, path, IntegerRange.KEYWORDS, IntegerRange.of(s, what -> refuse(path, what)));
            case "number" -> only(s, path, IntegerRange.KEYWORDS, NumberRange.of(s, what -> refuse(path, what)));
            case "boolean" -> only(s, path, Set.of("type"), "(?:true|false)");
            case "null" -> only(s, path, Set.of("type"), "null");
            case "array" -> only(s, path, Set.of("type", "items", "prefixItems", "minItems", "maxItems"),
                    SchemaCollections.array(this, s, path, depth));
            case "object" -> SchemaCollections.isMap(s)
                    ? only(s, path, Set.of("type", "properties", "additionalProperties", "minProperties",
                            "maxProperties"), SchemaCollections.map(this, s, path, depth))
                    : only(s, path, Set.of("type", "properties", "required", "additionalProperties"),
                            object(s, path, depth));
            default -> throw refuse(path, "unknown type \"" + type.asText() + "\"");
        };
    }

    private String string(JsonNode s, String path) {
        int min = count(s, "minLength", 0, path);
        int max = count(s, "maxLength", -1, path);
        if (max >= 0 && max < min) throw refuse(path, "maxLength is below minLength");
        String label = field + ": the JSON schema's pattern at " + (path.isEmpty() ? "its root" : path);
        return SchemaStrings.regex(s, min, max, field, label, what -> refuse(path, what));
    }

    private String object(JsonNode s, String path, int depth) {
        JsonNode extra = s.get("additionalProperties");
        if (extra != null && !(extra.isBoolean() && !extra.asBoolean())) {
            throw refuse(path, "additionalProperties other than false is not supported: list every property under"
                    + " properties (no other property is ever generated)");
        }
        JsonNode props = s.get("properties");
        if (props == null || !props.isObject() || props.isEmpty()) {
            throw refuse(path, "an object schema needs properties; for any JSON object use response_format"
                    + " {\"type\": \"json_object\"}");
        }
        Set<String> required = new HashSet<>();
        JsonNode req = s.get("required");
        if (req != null) {
            if (!req.isArray()) throw refuse(path, "required must be a list of property names");
            for (JsonNode r : req) {
                if (!props.has(r.asText())) throw refuse(path, "required names \"" + r.asText() + "\", which is not"
                        + " under properties");
                required.add(r.asText());
            }
        }
        List<String> names = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        props.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            parts.add(escape(CanonicalJson.compact(TextNode.valueOf(name))) + COLON
                    + value(props.get(name), path + "/properties/" + name, depth + 1));
        }
        return "\\{" + after(names, parts, required, 0, false) + "\\}";
    }

    /**
     * The properties from {@code i} on; {@code seen}: whether one came before (then each needs a comma first). Once
     * one is seen the rest is linear, so the whole is quadratic in the number of properties, not exponential.
     */
    private static String after(List<String> names, List<String> parts, Set<String> required, int i, boolean seen) {
        if (i == names.size()) return "";
        String part = (seen ? COMMA : "") + parts.get(i);
        String present = part + after(names, parts, required, i + 1, true);
        if (required.contains(names.get(i))) return present;
        if (seen) return "(?:" + part + ")?" + after(names, parts, required, i + 1, true);
        return "(?:" + present + "|" + after(names, parts, required, i + 1, false) + ")";
    }

    /** The values, less those a {@code type} beside them excludes (the output must satisfy both). */
    private String enumeration(JsonNode values, JsonNode type, String path) {
        if (!values.isArray() || values.isEmpty()) throw refuse(path, "enum must be a non-empty list of values");
        List<String> alts = new ArrayList<>();
        for (JsonNode v : values) if (type == null || ofType(v, type)) alts.add(escape(CanonicalJson.compact(v)));
        if (alts.isEmpty()) throw refuse(path, "no value of enum or const has the type " + type + " beside it");
        return "(?:" + String.join("|", alts) + ")";
    }

    private static boolean ofType(JsonNode v, JsonNode type) {
        if (type.isArray()) {
            for (JsonNode t : type) if (ofType(v, t)) return true;
            return false;
        }
        return switch (type.asText()) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "array" -> v.isArray();
            case "object" -> v.isObject();
            default -> false;
        };
    }

    @Override
    public int count(JsonNode s, String key, int absent, String path) {
        JsonNode v = s.get(key);
        if (v == null) return absent;
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > MAX_COUNT) {
            throw refuse(path, key + " must be an integer in [0, " + MAX_COUNT + "]");
        }
        return v.asInt();
    }

    /** {@code regex} when {@code s} has no keyword beyond {@code allowed} and annotations. */
    private String only(JsonNode s, String path, Set<String> allowed, String regex) {
        var names = s.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            if (!allowed.contains(k) && !ANNOTATIONS.contains(k)) {
                throw refuse(path, "the keyword \"" + k + "\" is not supported here (supported: "
                        + String.join(", ", new java.util.TreeSet<>(allowed)) + "); remove it or express it with"
                        + " enum, const or anyOf");
            }
        }
        return regex;
    }

    /** A literal as a regex: every character that means something in a regex escaped. */
    static String escape(String literal) {
        StringBuilder b = new StringBuilder();
        literal.codePoints().forEach(c -> {
            if ("\\.^$|?*+()[]{}-/".indexOf(c) >= 0) b.append('\\');
            b.appendCodePoint(c);
        });
        return b.toString();
    }

    @Override
    public EngineException refuse(String path, String what) {
        return EngineException.invalid(field, field + ": the JSON schema cannot be enforced at "
                + (path.isEmpty() ? "its root" : path) + ": " + what + " (docs/requests.md, \"Structured outputs\")");
    }
}
