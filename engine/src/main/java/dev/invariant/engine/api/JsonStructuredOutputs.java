package dev.invariant.engine.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.structured.StructuredOutput;
import dev.invariant.engine.sample.structured.StructuredOutput.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The structured-output fields of the request contract (docs/requests.md, "Structured outputs"): vLLM's
 * {@code structured_outputs} ({@code choice}, {@code regex}, {@code json}, {@code json_object}, {@code grammar}),
 * its older {@code guided_choice}, {@code guided_regex}, {@code guided_json}, {@code guided_grammar}, and OpenAI's
 * {@code response_format} ({@code json_object}, {@code json_schema}). At most one of them per request. Grammars are
 * read in the GBNF / EBNF form; Lark grammars and {@code structural_tag} are refused.
 */
public final class JsonStructuredOutputs {
    /** The request fields this reads. */
    public static final Set<String> FIELDS = Set.of("structured_outputs", "guided_choice", "guided_regex",
            "guided_json", "guided_grammar", "response_format");
    private static final String STRUCTURAL_TAG = "structural tags are not supported by this server: express the"
            + " output as a grammar, a regex, a choice or a JSON schema";
    private static final String ONE_OF = "choice, regex, json, json_object or grammar";

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private JsonStructuredOutputs() {
    }

    /** The one structured output {@code f} asks for, if any. */
    public static Optional<StructuredOutput> read(JsonFields f) {
        List<String> given = new ArrayList<>();
        for (String name : FIELDS.stream().sorted().toList()) {
            if (f.has(name) && !neutral(name, f.value(name).orElseThrow())) given.add(name);
        }
        if (given.isEmpty()) return Optional.empty();
        if (given.size() > 1) {
            throw EngineException.invalid(given.get(1), "the request gives " + String.join(" and ", given)
                    + ": give at most one structured output");
        }
        String name = given.getFirst();
        JsonNode v = f.value(name).orElseThrow();
        return Optional.of(switch (name) {
            case "guided_choice" -> choice(name, v, f);
            case "guided_regex" -> regex(name, v, f);
            case "guided_json" -> schema(name, v, f);
            case "guided_grammar" -> grammar(name, v, f);
            case "response_format" -> responseFormat(v, f);
            default -> structuredOutputs(v, f);
        });
    }

    /** Absent in effect: null, and response_format {"type": "text"} (OpenAI's default). */
    private static boolean neutral(String name, JsonNode v) {
        if (v.isNull()) return true;
        return name.equals("response_format") && v.isObject() && v.path("type").asText("").equals("text");
    }

    /** vLLM's {@code structured_outputs}: an object with exactly one of choice, regex, json, json_object, grammar. */
    private static StructuredOutput structuredOutputs(JsonNode v, JsonFields f) {
        String at = "structured_outputs";
        if (!v.isObject()) throw f.wrongType(at, "an object with one of " + ONE_OF, v);
        List<String> kinds = new ArrayList<>();
        var names = v.fieldNames();
        while (names.hasNext()) {
            String k = names.next();
            JsonNode x = v.get(k);
            if (x.isNull() || x.isBoolean() && !x.booleanValue()) continue; // vLLM's defaults: absent in effect
            switch (k) {
                case "choice", "regex", "json", "json_object", "grammar" -> kinds.add(k);
                case "structural_tag" -> throw EngineException.invalid(at, "'" + at + "." + k + "': "
                        + STRUCTURAL_TAG);
                default -> throw EngineException.invalid(at, "'" + at + "." + k + "' is not supported by this"
                        + " server: give one of " + ONE_OF + ", and no other option");
            }
        }
        if (kinds.size() != 1) {
            throw EngineException.invalid(at, "'" + at + "' must give exactly one of " + ONE_OF
                    + (kinds.isEmpty() ? "" : ", got " + String.join(" and ", kinds)));
        }
        String kind = kinds.getFirst();
        JsonNode x = v.get(kind);
        return switch (kind) {
            case "choice" -> choice(at + ".choice", x, f);
            case "regex" -> regex(at + ".regex", x, f);
            case "json" -> schema(at + ".json", x, f);
            case "grammar" -> grammar(at + ".grammar", x, f);
            default -> {
                if (!x.isBoolean()) throw f.wrongType(at + ".json_object", "true", x);
                yield StructuredOutput.jsonObject();
            }
        };
    }

    /** OpenAI's {@code response_format}: {@code json_object}, or {@code json_schema} with its {@code schema}. */
    private static StructuredOutput responseFormat(JsonNode v, JsonFields f) {
        String at = "response_format";
        if (!v.isObject()) throw f.wrongType(at, "an object such as {\"type\": \"json_object\"}", v);
        String type = v.path("type").asText("");
        return switch (type) {
            case "json_object" -> StructuredOutput.jsonObject();
            case "json_schema" -> {
                JsonNode js = v.path("json_schema");
                if (!js.isObject() || !js.has("schema")) {
                    throw EngineException.invalid(at, "'" + at + "' of type json_schema needs json_schema.schema:"
                            + " {\"type\": \"json_schema\", \"json_schema\": {\"name\": ..., \"schema\": {...}}}");
                }
                yield schema(at + ".json_schema.schema", js.get("schema"), f);
            }
            default -> throw EngineException.invalid(at, "'" + at + ".type' must be text, json_object or json_schema,"
                    + " got \"" + type + "\"");
        };
    }

    private static StructuredOutput choice(String at, JsonNode v, JsonFields f) {
        if (!v.isArray()) throw f.wrongType(at, "an array of strings", v);
        List<String> choices = new ArrayList<>();
        for (JsonNode c : v) {
            if (!c.isTextual()) throw f.wrongType(at, "an array of strings", v);
            choices.add(c.textValue());
        }
        return StructuredOutput.choice(at, choices);
    }

    private static StructuredOutput regex(String at, JsonNode v, JsonFields f) {
        if (!v.isTextual()) throw f.wrongType(at, "a regex string", v);
        return StructuredOutput.regex(at, v.textValue());
    }

    /** A grammar in the GBNF / EBNF form, as a string. */
    private static StructuredOutput grammar(String at, JsonNode v, JsonFields f) {
        if (!v.isTextual()) throw f.wrongType(at, "a grammar string (GBNF / EBNF: root ::= ...)", v);
        return StructuredOutput.grammar(at, v.textValue());
    }

    /** A JSON schema as an object, or as a string holding one (vLLM takes both). */
    private static StructuredOutput schema(String at, JsonNode v, JsonFields f) {
        if (v.isTextual()) return StructuredOutput.jsonSchema(at, v.textValue());
        if (!v.isObject()) throw f.wrongType(at, "a JSON schema object", v);
        return StructuredOutput.jsonSchema(at, v.toString());
    }

    /** The other way, for a client of a vLLM server ({@code audit}): {@code structured_outputs} with the one kind. */
    public static void write(StructuredOutput so, ObjectNode body) {
        ObjectNode out = body.putObject("structured_outputs");
        switch (so.kind()) {
            case CHOICE -> so.choices().forEach(out.putArray("choice")::add);
            case REGEX -> out.put("regex", so.spec());
            case JSON_SCHEMA -> out.set("json", parse(so.spec()));
            case JSON_OBJECT -> out.put("json_object", true);
            case GRAMMAR -> out.put("grammar", so.spec());
        }
    }

    private static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a canonical schema is JSON", e);
        }
    }

    /** The kind a wire name stands for (the CLI's and Avro's spelling: choice, regex, json, json_object, grammar). */
    public static Kind kind(String field, String wire) {
        return Kind.parse(field, wire);
    }
}
