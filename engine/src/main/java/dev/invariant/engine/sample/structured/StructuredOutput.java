package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A structured-output constraint (vLLM's {@code structured_outputs}, OpenAI's {@code response_format}): the whole
 * output must be one of {@code choice}, match {@code regex}, be JSON valid against a schema, be any JSON object, or
 * be in the language of a {@code grammar} (GBNF / EBNF).
 * Immutable; validated and compiled when built, so a constraint the engine cannot enforce is refused before it runs.
 *
 * @param kind what {@code spec} is
 * @param spec the canonical text the fingerprint holds: the regex; the choices as a compact JSON array of strings;
 *             the schema as {@link CanonicalJson} writes it (keys sorted, properties in declared order); "" for a
 *             JSON object; the grammar's rules as {@link Grammar} prints them back
 */
public record StructuredOutput(Kind kind, String spec) {
    /** The kinds, with vLLM's key in {@code structured_outputs} as the wire name ({@code json_object}: OpenAI's). */
    public enum Kind {
        CHOICE("choice"), REGEX("regex"), JSON_SCHEMA("json"), JSON_OBJECT("json_object"), GRAMMAR("grammar");

        public final String wire;

        Kind(String wire) {
            this.wire = wire;
        }

        public static Kind parse(String field, String wire) {
            for (Kind k : values()) if (k.wire.equals(wire)) return k;
            throw EngineException.invalid(field, field + ": unknown structured output kind \"" + wire
                    + "\": use choice, regex, json, json_object or grammar");
        }
    }

    /** The field errors name when a constraint is built without one (from Avro or the builder). */
    public static final String FIELD = "structured_outputs";
    private static final int CACHE = 16;
    /** Compiled automata by constraint: a DFA and its masks are worth keeping across requests that share one. */
    private static final Map<Key, ByteAutomaton> COMPILED = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, ByteAutomaton> eldest) {
            return size() > CACHE;
        }
    };

    public StructuredOutput {
        if (kind == null || spec == null) throw EngineException.invalid(FIELD, FIELD + ": a kind and a spec are needed");
        spec = canonical(FIELD, kind, spec);
        compile(FIELD, kind, spec);
    }

    /** A constraint named by {@code field} in errors: {@code spec} as the request wrote it, made canonical. */
    public static StructuredOutput of(String field, Kind kind, String spec) {
        if (spec == null) throw EngineException.invalid(field, field + " must not be null");
        String canonical = canonical(field, kind, spec);
        compile(field, kind, canonical);
        return new StructuredOutput(kind, canonical);
    }

    public static StructuredOutput choice(String field, List<String> choices) {
        if (choices == null || choices.isEmpty()) {
            throw EngineException.invalid(field, field + " must be a non-empty list of strings: give the outputs"
                    + " allowed");
        }
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (String c : choices) {
            if (c == null) throw EngineException.invalid(field, field + " must hold strings only");
            a.add(c);
        }
        return of(field, Kind.CHOICE, CanonicalJson.compact(a));
    }

    public static StructuredOutput regex(String field, String regex) {
        return of(field, Kind.REGEX, regex);
    }

    public static StructuredOutput jsonSchema(String field, String schemaJson) {
        return of(field, Kind.JSON_SCHEMA, schemaJson);
    }

    /** A grammar in the GBNF / EBNF form (docs/requests.md): {@code root} its start rule. */
    public static StructuredOutput grammar(String field, String grammar) {
        return of(field, Kind.GRAMMAR, grammar);
    }

    public static StructuredOutput jsonObject() {
        return new StructuredOutput(Kind.JSON_OBJECT, "");
    }

    /** The choices of a {@link Kind#CHOICE} constraint. */
    public List<String> choices() {
        if (kind != Kind.CHOICE) throw new IllegalStateException("not a choice constraint");
        List<String> out = new ArrayList<>();
        CanonicalJson.parse(FIELD, spec).forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    /** The automaton of this constraint, compiled once per distinct constraint (kept for the last few). */
    ByteAutomaton automaton() {
        return compile(FIELD, kind, spec);
    }

    /** The regex a choice or schema becomes (docs/requests.md); null for a JSON object or a grammar. */
    public String regex() {
        return regexOf(FIELD, kind, spec);
    }

    private static String regexOf(String field, Kind kind, String spec) {
        return switch (kind) {
            case REGEX -> spec;
            case CHOICE -> {
                List<String> alts = new ArrayList<>();
                CanonicalJson.parse(field, spec).forEach(c -> alts.add(JsonSchemaRegex.escape(c.asText())));
                yield "(?:" + String.join("|", alts) + ")";
            }
            case JSON_SCHEMA -> JsonSchemaRegex.of(field, CanonicalJson.parse(field, spec));
            case JSON_OBJECT, GRAMMAR -> null;
        };
    }

    private static String canonical(String field, Kind kind, String spec) {
        return switch (kind) {
            case REGEX -> {
                if (spec.isEmpty()) throw EngineException.invalid(field, field + ": the regex is empty: give a pattern");
                yield spec;
            }
            case CHOICE -> {
                JsonNode n = CanonicalJson.parse(field, spec);
                if (!n.isArray() || n.isEmpty()) {
                    throw EngineException.invalid(field, field + " must be a non-empty list of strings");
                }
                n.forEach(c -> {
                    if (!c.isTextual()) throw EngineException.invalid(field, field + " must hold strings only");
                });
                yield CanonicalJson.compact(n);
            }
            case JSON_SCHEMA -> CanonicalJson.canonical(CanonicalJson.parse(field, spec));
            case GRAMMAR -> GbnfParser.parse(field, spec).toString();
            case JSON_OBJECT -> {
                if (!spec.isEmpty()) throw EngineException.invalid(field, field + ": a JSON object constraint has no spec");
                yield "";
            }
        };
    }

    private static ByteAutomaton compile(String field, Kind kind, String canonical) {
        Key key = new Key(kind, canonical);
        synchronized (COMPILED) {
            ByteAutomaton a = COMPILED.get(key);
            if (a != null) return a;
        }
        ByteAutomaton a = switch (kind) {
            case JSON_OBJECT -> new JsonObjectMachine();
            case REGEX -> LazyDfa.of(field, canonical);
            case GRAMMAR -> GrammarMachine.of(field, canonical);
            case CHOICE, JSON_SCHEMA -> LazyDfa.of(field, regexOf(field, kind, canonical));
        };
        synchronized (COMPILED) {
            return COMPILED.computeIfAbsent(key, k -> a);
        }
    }

    /** The cache's key: a canonical, valid (kind, spec). */
    private record Key(Kind kind, String spec) {
    }
}
