package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonSchemaRegexTest {
    private static final String PERSON = """
            {"type": "object", "title": "Person", "properties": {
              "name": {"type": "string", "maxLength": 10},
              "age": {"type": "integer"},
              "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 2},
              "ok": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
              "kind": {"const": "p"}
            }, "required": ["name", "kind"], "additionalProperties": false}""";

    private static ByteAutomaton schema(String json) {
        return StructuredOutput.jsonSchema("guided_json", json).automaton();
    }

    @Test
    void objectsSpellRequiredPropertiesInOrderAndOptionalOnesMaybe() {
        ByteAutomaton a = schema(PERSON);
        for (String ok : List.of("{\"name\":\"Al\",\"kind\":\"p\"}", "{\"name\": \"Al\", \"age\": 3, \"kind\": \"p\"}",
                "{\"name\":\"\",\"age\":-12,\"tags\":[\"a\", \"b\"],\"ok\":null,\"kind\":\"p\"}",
                "{\"name\":\"x\\\"y\",\"ok\":true,\"kind\":\"p\"}")) {
            assertTrue(matches(a, ok), ok);
        }
        for (String bad : List.of("{\"kind\":\"p\",\"name\":\"Al\"}", "{\"name\":\"Al\"}", "{\"name\":\"Al\",,\"kind\":\"p\"}",
                "{\"age\":3,\"kind\":\"p\"}", "{\"name\":\"12345678901\",\"kind\":\"p\"}",
                "{\"name\":\"A\",\"tags\":[\"a\",\"a\",\"a\"],\"kind\":\"p\"}", "{\"name\":\"A\",\"age\":1.5,\"kind\":\"p\"}",
                "{\"name\":\"A\",\"kind\":\"q\"}", "{\"name\":\"A\",\"kind\":\"p\",\"x\":1}", "{\"name\":\"A\"  ,\"kind\":\"p\"}")) {
            assertFalse(matches(a, bad), bad);
        }
    }

    @Test
    void allOptionalPropertiesAllowTheEmptyObjectAndNoLeadingComma() {
        ByteAutomaton a = schema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},\"b\":{\"type\":\"string\"}}}");
        for (String ok : List.of("{}", "{\"a\":1.5e3}", "{\"b\":\"x\"}", "{\"a\":0, \"b\":\"\"}")) assertTrue(matches(a, ok), ok);
        for (String bad : List.of("{,\"b\":\"x\"}", "{\"b\":\"x\",\"a\":1}", "{\"a\":1,}")) assertFalse(matches(a, bad), bad);
    }

    @Test
    void canonicalSpecSortsKeysButKeepsPropertyOrder() {
        String one = "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"integer\"},\"a\":{\"type\":\"string\"}}}";
        String reordered = "{\"properties\":{\"b\":{\"type\":\"integer\"},\"a\":{\"type\":\"string\"}},  \"type\":\"object\"}";
        String swapped = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},\"b\":{\"type\":\"integer\"}}}";
        assertEquals(StructuredOutput.jsonSchema("f", one), StructuredOutput.jsonSchema("f", reordered));
        assertNotEquals(StructuredOutput.jsonSchema("f", one), StructuredOutput.jsonSchema("f", swapped),
                "property order is the output's order");
        assertEquals("{\"properties\":{\"b\":{\"type\":\"integer\"},\"a\":{\"type\":\"string\"}},\"type\":\"object\"}",
                StructuredOutput.jsonSchema("f", one).spec());
    }

    @Test
    void unsupportedKeywordsAreRefusedWithThePath() {
        for (String bad : List.of("{\"type\":\"string\",\"pattern\":\"a+\"}", "{\"type\":\"object\"}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":3}}}",
                "{\"$ref\":\"#/$defs/x\"}", "{\"type\":\"array\"}", "{\"type\":\"object\",\"properties\":{\"a\":"
                        + "{\"type\":\"string\"}},\"additionalProperties\":true}", "[1]", "not json", "{}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"b\"]}")) {
            EngineException e = assertThrows(EngineException.class, () -> schema(bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
        var e = assertThrows(EngineException.class, () -> schema(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"minimum\":3}}}"));
        assertTrue(e.getMessage().contains("/properties/a") && e.getMessage().contains("minimum"), e.getMessage());
    }

    /** What pydantic writes for nested models (and OpenAI's SDK sends as response_format). */
    @Test
    void localReferencesResolveAndRecursionIsRefused() {
        String pydantic = """
                {"$defs": {"Pet": {"properties": {"kind": {"enum": ["cat", "dog"], "title": "Kind", "type": "string"}},
                  "required": ["kind"], "title": "Pet", "type": "object", "additionalProperties": false}},
                 "properties": {"name": {"title": "Name", "type": "string"},
                   "pet": {"anyOf": [{"$ref": "#/$defs/Pet"}, {"type": "null"}], "default": null}},
                 "required": ["name", "pet"], "title": "Owner", "type": "object", "additionalProperties": false}""";
        ByteAutomaton a = schema(pydantic);
        assertTrue(matches(a, "{\"name\": \"Al\", \"pet\": {\"kind\": \"dog\"}}"));
        assertTrue(matches(a, "{\"name\":\"Al\",\"pet\":null}"));
        assertFalse(matches(a, "{\"name\":\"Al\",\"pet\":{\"kind\":\"cow\"}}"));
        ByteAutomaton typed = schema("{\"enum\": [\"a\", 1, null], \"type\": [\"string\", \"null\"]}");
        assertTrue(matches(typed, "\"a\"") && matches(typed, "null"));
        assertFalse(matches(typed, "1"), "an enum value of another type is out");
        String recursive = "{\"$defs\": {\"N\": {\"type\": \"object\", \"properties\": {\"next\": {\"$ref\":"
                + " \"#/$defs/N\"}}}}, \"$ref\": \"#/$defs/N\"}";
        var e = assertThrows(EngineException.class, () -> schema(recursive));
        assertTrue(e.getMessage().contains("deeper than"), e.getMessage());
    }

    @Test
    void choicesAreEscapedLiterals() {
        ByteAutomaton a = StructuredOutput.choice("guided_choice", List.of("a.b", "c|d", "(x)", "é")).automaton();
        for (String ok : List.of("a.b", "c|d", "(x)", "é")) assertTrue(matches(a, ok), ok);
        for (String bad : List.of("axb", "c", "x", "")) assertFalse(matches(a, bad), bad);
        assertThrows(EngineException.class, () -> StructuredOutput.choice("guided_choice", List.of()));
    }
}
