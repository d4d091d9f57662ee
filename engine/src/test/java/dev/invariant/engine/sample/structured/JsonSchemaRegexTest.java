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
        for (String bad : List.of("{\"type\":\"string\",\"format\":\"email\"}", "{\"type\":\"object\"}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"minimum\":3.5}}}",
                "{\"allOf\":[{\"type\":\"integer\"},{\"type\":\"integer\"}]}", "{\"allOf\":[]}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":"
                        + "{\"type\":\"string\"}}", "{\"type\":\"object\",\"additionalProperties\":true}",
                "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"minProperties\":2}",
                "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},\"required\":[\"a\"]}",
                "{\"type\":\"array\",\"prefixItems\":[]}", "{\"type\":\"array\",\"prefixItems\":[{\"type\":"
                        + "\"null\"}],\"items\":true}", "{\"type\":\"array\",\"prefixItems\":[{\"type\":\"null\"}],"
                        + "\"minItems\":2}", "{\"type\":\"array\",\"prefixItems\":[{\"type\":\"null\"},{\"type\":"
                        + "\"null\"}],\"maxItems\":1}",
                "{\"$ref\":\"#/$defs/x\"}", "{\"type\":\"array\"}", "{\"type\":\"object\",\"properties\":{\"a\":"
                        + "{\"type\":\"string\"}},\"additionalProperties\":true}", "[1]", "not json", "{}",
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"required\":[\"b\"]}")) {
            EngineException e = assertThrows(EngineException.class, () -> schema(bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
        var e = assertThrows(EngineException.class, () -> schema(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\",\"minimum\":3.5}}}"));
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
        assertTrue(e.getMessage().contains("#/$defs/N -> #/$defs/N") && e.getMessage().contains("recursive")
                && e.getMessage().contains("at /$ref/properties/next:"), e.getMessage());
        String mutual = "{\"definitions\": {\"A\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/definitions/B\"}},"
                + " \"B\": {\"anyOf\": [{\"type\": \"null\"}, {\"$ref\": \"#/definitions/A\"}]}}, \"$ref\": \"#/definitions/A\"}";
        e = assertThrows(EngineException.class, () -> schema(mutual));
        assertTrue(e.getMessage().contains("#/definitions/A -> #/definitions/B -> #/definitions/A"), e.getMessage());
        // one definition used twice side by side is no recursion
        assertTrue(matches(schema("{\"$defs\": {\"P\": {\"type\": \"integer\"}}, \"type\": \"array\", \"prefixItems\":"
                + " [{\"$ref\": \"#/$defs/P\"}, {\"$ref\": \"#/$defs/P\"}]}"), "[1, 2]"));
    }

    /** pydantic v1 wraps a referenced model so, to give it a title or description. */
    @Test
    void allOfWithOneSchemaIsThatSchema() {
        ByteAutomaton a = schema("""
                {"definitions": {"Pet": {"type": "object", "properties": {"kind": {"enum": ["cat", "dog"]}},
                  "required": ["kind"]}},
                 "type": "object", "properties": {"pet": {"title": "Pet", "allOf": [{"$ref": "#/definitions/Pet"}]}},
                 "required": ["pet"]}""");
        assertTrue(matches(a, "{\"pet\": {\"kind\": \"cat\"}}"));
        assertFalse(matches(a, "{\"pet\": {\"kind\": \"cow\"}}"));
    }

    /** pydantic's tuple[int, str] (minItems and maxItems both 2), and a tuple with a tail. */
    @Test
    void prefixItemsAreAlwaysAllGeneratedThenItemsIfAny() {
        ByteAutomaton pair = schema("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"integer\"},{\"type\":\"string\"}],"
                + "\"minItems\":2,\"maxItems\":2}");
        assertTrue(matches(pair, "[1, \"a\"]") && matches(pair, "[-3,\"\"]"));
        for (String bad : List.of("[1]", "[]", "[\"a\", 1]", "[1,\"a\",2]")) assertFalse(matches(pair, bad), bad);
        ByteAutomaton closed = schema("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"null\"}],\"items\":false}");
        assertTrue(matches(closed, "[null]"));
        assertFalse(matches(closed, "[]") || matches(closed, "[null,null]"));
        ByteAutomaton tail = schema("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"integer\"}],\"items\":"
                + "{\"type\":\"string\"},\"minItems\":2,\"maxItems\":3}");
        for (String ok : List.of("[1,\"a\"]", "[1, \"a\", \"b\"]")) assertTrue(matches(tail, ok), ok);
        for (String bad : List.of("[1]", "[1,\"a\",\"b\",\"c\"]", "[1,2]")) assertFalse(matches(tail, bad), bad);
    }

    /** pydantic's dict[str, int]: any keys (a key may repeat: a regex cannot tell), each value of the schema. */
    @Test
    void mapsTakeAnyKeysWithValuesOfTheSchema() {
        ByteAutomaton a = schema("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\"},"
                + "\"maxProperties\":2}");
        for (String ok : List.of("{}", "{\"a\":1}", "{\"a\": 1, \"b \\\" c\": -2}", "{\"\":0}")) {
            assertTrue(matches(a, ok), ok);
        }
        for (String bad : List.of("{\"a\":\"x\"}", "{\"a\":1,\"b\":2,\"c\":3}", "{a:1}", "{\"a\":1,}")) {
            assertFalse(matches(a, bad), bad);
        }
        ByteAutomaton one = schema("{\"type\":\"object\",\"additionalProperties\":{\"type\":\"boolean\"},"
                + "\"minProperties\":1, \"properties\": {}}");
        assertFalse(matches(one, "{}"));
        assertTrue(matches(one, "{\"x\":true,\"y\":false,\"z\":true}"));
    }

    /** Every new keyword at once; outputs drawn from the automaton parse and hold each constraint, checked by hand. */
    @Test
    void sampledOutputsValidateAgainstEveryNewKeyword() throws Exception {
        ByteAutomaton a = schema("""
                {"$defs": {"Point": {"type": "array", "prefixItems": [{"type": "integer", "minimum": -5, "maximum": 5},
                   {"type": "string", "format": "date"}], "minItems": 2, "maxItems": 2}},
                 "type": "object", "properties": {
                   "when": {"type": "string", "format": "date-time"},
                   "at": {"type": "string", "format": "time"},
                   "id": {"type": "string", "format": "uuid"},
                   "ip": {"type": "string", "format": "ipv4"},
                   "code": {"type": "string", "pattern": "^[A-Z]{2}-\\\\d{2,4}$"},
                   "count": {"type": "integer", "minimum": 1, "exclusiveMaximum": 1000},
                   "low": {"type": "integer", "maximum": -10.5},
                   "point": {"allOf": [{"$ref": "#/$defs/Point"}]},
                   "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                     "maxProperties": 3}},
                 "required": ["when", "at", "id", "ip", "code", "count", "low", "point", "scores"]}""");
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.Random rnd = new java.util.Random(17);
        for (int i = 0; i < 300; i++) {
            String out = AutomatonSamples.sample(a, rnd, 4000);
            var n = json.readTree(out);
            String when = n.get("when").textValue();
            assertTrue(java.time.LocalDate.parse(when.substring(0, 10)).getYear() >= 1 && when.charAt(10) == 'T'
                    && validTime(when.substring(11)), out);
            assertTrue(validTime(n.get("at").textValue()), out);
            String id = n.get("id").textValue();
            assertEquals(id.toLowerCase(), java.util.UUID.fromString(id).toString(), out);
            String[] octets = n.get("ip").textValue().split("\\.", -1);
            assertEquals(4, octets.length, out);
            for (String o : octets) assertTrue(o.equals(Integer.toString(Integer.parseInt(o))) && Integer.parseInt(o) <= 255, out);
            assertTrue(java.util.regex.Pattern.compile("^[A-Z]{2}-\\d{2,4}$").matcher(n.get("code").textValue()).find(), out);
            assertTrue(n.get("count").isIntegralNumber() && n.get("count").asLong() >= 1 && n.get("count").asLong() < 1000, out);
            assertTrue(n.get("low").isIntegralNumber()
                    && n.get("low").bigIntegerValue().compareTo(java.math.BigInteger.valueOf(-11)) <= 0, out);
            var point = n.get("point");
            assertTrue(point.isArray() && point.size() == 2 && point.get(0).isInt() && Math.abs(point.get(0).asInt()) <= 5, out);
            assertTrue(java.time.LocalDate.parse(point.get(1).textValue()).getYear() >= 1, out);
            var scores = n.get("scores");
            assertTrue(scores.isObject() && scores.size() <= 3, out);
            scores.forEach(v -> assertTrue(v.isIntegralNumber() && v.bigIntegerValue().signum() >= 0, out));
        }
    }

    /** RFC 3339 full-time, by hand: HH:MM:SS, an optional fraction, then Z or an offset below 24 hours. */
    private static boolean validTime(String t) {
        var m = java.util.regex.Pattern.compile("(\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?(Z|[+-](\\d\\d):(\\d\\d))").matcher(t);
        if (!m.matches()) return false;
        boolean fields = Integer.parseInt(m.group(1)) < 24 && Integer.parseInt(m.group(2)) < 60
                && Integer.parseInt(m.group(3)) < 60;
        return fields && (m.group(6) == null || Integer.parseInt(m.group(6)) < 24 && Integer.parseInt(m.group(7)) < 60);
    }

    /** Each string character is one code point, as minLength/maxLength count them: no escaped surrogate halves. */
    @Test
    void stringLengthsCountCodePointsAndSurrogateEscapesAreLeftOut() {
        ByteAutomaton one = schema("{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 1}");
        for (String ok : List.of("\"a\"", "\"\u00e9\"", "\"\\u00e9\"", "\"\ud83d\ude00\"", "\"\\uFFFD\"", "\"\\ud7ff\"",
                "\"\\\"\"")) {
            assertTrue(matches(one, ok), ok);
        }
        for (String bad : List.of("\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\uDC00\"", "\"\\udfff\"", "\"ab\"", "\"\"")) {
            assertFalse(matches(one, bad), bad);
        }
    }

    /** pydantic's discriminated union (Field(discriminator="pet_type")), and the oneOfs that may overlap. */
    @Test
    void oneOfWhenNoValueMatchesTwoAlternatives() {
        String owner = """
                {"$defs": {"Cat": {"properties": {"pet_type": {"const": "cat", "type": "string"}, "meows": {"type":
                "integer"}}, "required": ["pet_type", "meows"], "type": "object"}, "Dog": {"properties": {"pet_type":
                {"const": "dog", "type": "string"}, "barks": {"type": "number"}}, "required": ["pet_type", "barks"],
                "type": "object"}}, "properties": {"pet": {%s"oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref":
                "#/$defs/Dog"}], "title": "Pet"}}, "required": ["pet"], "type": "object"}""";
        String discriminator = "\"discriminator\": {\"mapping\": {\"cat\": \"#/$defs/Cat\", \"dog\": \"#/$defs/Dog\"},"
                + " \"propertyName\": \"%s\"}, ";
        ByteAutomaton a = schema(owner.formatted(discriminator.formatted("pet_type")));
        assertTrue(matches(a, "{\"pet\": {\"pet_type\": \"cat\", \"meows\": 3}}"));
        assertTrue(matches(a, "{\"pet\":{\"pet_type\":\"dog\",\"barks\":0.5}}"));
        assertFalse(matches(a, "{\"pet\": {\"pet_type\": \"dog\", \"meows\": 3}}"));
        // without the discriminator keyword the property is found; distinct plain types need none
        assertTrue(matches(schema(owner.formatted("")), "{\"pet\": {\"pet_type\": \"cat\", \"meows\": 1}}"));
        ByteAutomaton types = schema("{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}, {\"type\": \"null\"}]}");
        for (String ok : List.of("\"x\"", "12", "null")) assertTrue(matches(types, ok), ok);
        for (String bad : List.of("{\"oneOf\": [{\"type\": \"integer\"}, {\"type\": \"number\"}]}",
                "{\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"string\", \"maxLength\": 3}]}",
                "{\"oneOf\": [{\"type\": \"object\", \"properties\": {\"k\": {\"const\": 1}}, \"required\": [\"k\"]},"
                        + " {\"type\": \"object\", \"properties\": {\"k\": {\"const\": 1.0}}, \"required\": [\"k\"]}]}",
                "{\"oneOf\": [{\"type\": \"object\", \"properties\": {\"k\": {\"const\": 1}}},"
                        + " {\"type\": \"object\", \"properties\": {\"k\": {\"const\": 2}}}]}",
                owner.formatted(discriminator.formatted("meows")), "{\"oneOf\": []}")) {
            EngineException e = assertThrows(EngineException.class, () -> schema(bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
        var e = assertThrows(EngineException.class, () -> schema("{\"oneOf\": [{\"type\": \"integer\"}, {\"type\":"
                + " \"number\"}]}"));
        assertTrue(e.getMessage().contains("write anyOf"), e.getMessage());
    }

    @Test
    void choicesAreEscapedLiterals() {
        ByteAutomaton a = StructuredOutput.choice("guided_choice", List.of("a.b", "c|d", "(x)", "é")).automaton();
        for (String ok : List.of("a.b", "c|d", "(x)", "é")) assertTrue(matches(a, ok), ok);
        for (String bad : List.of("axb", "c", "x", "")) assertFalse(matches(a, bad), bad);
        assertThrows(EngineException.class, () -> StructuredOutput.choice("guided_choice", List.of()));
    }
}
