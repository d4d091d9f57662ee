package dev.invariant.engine.api;

import static dev.invariant.engine.api.JsonRequestsTest.sampling;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.StructuredOutput;
import dev.invariant.engine.sample.structured.StructuredOutput.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonStructuredOutputsTest {
    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";

    @Test
    void everySpellingMapsToOneConstraint() throws Exception {
        StructuredOutput schema = StructuredOutput.jsonSchema("x", SCHEMA);
        assertEquals(schema, sampling("{\"guided_json\": " + SCHEMA + "}").structuredOutput());
        assertEquals(schema, sampling("{\"guided_json\": " + new ObjectMapper().writeValueAsString(SCHEMA) + "}")
                .structuredOutput(), "a schema in a string");
        assertEquals(schema, sampling("{\"structured_outputs\": {\"json\": " + SCHEMA + "}}").structuredOutput());
        assertEquals(schema, sampling("{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"t\","
                + " \"strict\": true, \"schema\": " + SCHEMA + "}}}").structuredOutput());
        StructuredOutput choice = StructuredOutput.choice("x", List.of("a", "b"));
        assertEquals(choice, sampling("{\"guided_choice\": [\"a\", \"b\"]}").structuredOutput());
        assertEquals(choice, sampling("{\"structured_outputs\": {\"choice\": [\"a\", \"b\"], \"grammar\": null}}")
                .structuredOutput());
        assertEquals(Kind.REGEX, sampling("{\"guided_regex\": \"[0-9]+\"}").structuredOutput().kind());
        StructuredOutput grammar = StructuredOutput.grammar("x", "root ::= [0-9]+ (\",\" [0-9]+)*");
        assertEquals(grammar, sampling("{\"guided_grammar\": \"root ::= [0-9]+ (\\\",\\\" [0-9]+)*\"}").structuredOutput());
        assertEquals(grammar, sampling("{\"structured_outputs\": {\"grammar\": \"root::=[0-9]+(\\\",\\\"[0-9]+)* # list\"}}")
                .structuredOutput(), "whitespace and comments aside, one grammar");
        assertEquals(Kind.JSON_OBJECT, sampling("{\"response_format\": {\"type\": \"json_object\"}}").structuredOutput().kind());
        assertEquals(Kind.JSON_OBJECT, sampling("{\"structured_outputs\": {\"json_object\": true}}").structuredOutput().kind());
        assertNull(sampling("{\"response_format\": {\"type\": \"text\"}, \"guided_json\": null}").structuredOutput());
    }

    @Test
    void writeReadsBackToTheSameParameters() throws Exception {
        for (String json : List.of("{\"guided_json\": " + SCHEMA + "}", "{\"guided_choice\": [\"x\", \"y|z\"]}",
                "{\"guided_regex\": \"a+\"}", "{\"response_format\": {\"type\": \"json_object\"}}",
                "{\"guided_grammar\": \"root ::= \\\"a\\\" [b-d]*\"}")) {
            SamplingParams p = sampling(json);
            var body = JsonRequests.write(p, new ObjectMapper().createObjectNode());
            assertEquals(p, JsonRequests.sampling(JsonFields.of(body), SamplingParams.builder()), json);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"guided_json\": {\"type\": \"object\"}, \"guided_regex\": \"a\"}  | guided_regex",
            "{\"response_format\": {\"type\": \"json_object\"}, \"structured_outputs\": {\"regex\": \"a\"}} | structured_outputs",
            "{\"guided_grammar\": \"root ::= x\"}                               | guided_grammar",
            "{\"structured_outputs\": {\"grammar\": \"root ::= x\"}}           | structured_outputs.grammar",
            "{\"structured_outputs\": {\"grammar\": 5}}                      | structured_outputs.grammar",
            "{\"guided_grammar\": \"start: \\\"a\\\"\"}                      | guided_grammar",
            "{\"structured_outputs\": {\"structural_tag\": \"x\"}}          | structured_outputs",
            "{\"structured_outputs\": {\"regex\": \"a\", \"choice\": [\"b\"]}} | structured_outputs",
            "{\"structured_outputs\": {\"whitespace_pattern\": \" \"}}         | structured_outputs",
            "{\"structured_outputs\": \"a+\"}                                  | structured_outputs",
            "{\"guided_regex\": \"(a\"}                                        | guided_regex",
            "{\"guided_regex\": 5}                                             | guided_regex",
            "{\"guided_choice\": []}                                           | guided_choice",
            "{\"guided_choice\": [1]}                                          | guided_choice",
            "{\"guided_json\": {\"type\": \"string\", \"format\": \"email\"}} | guided_json",
            "{\"response_format\": {\"type\": \"json_schema\"}}                | response_format",
            "{\"response_format\": {\"type\": \"xml\"}}                        | response_format",
            "{\"response_format\": {\"type\": \"json_schema\", \"json_schema\": {\"schema\": {\"type\": \"object\"}}}} | response_format.json_schema.schema",
    })
    void badInputNamesTheField(String json, String field) {
        var e = assertThrows(EngineException.class, () -> sampling(json));
        assertEquals(field, e.param(), e.getMessage());
        assertTrue(e.getMessage().length() > 20, e.getMessage());
    }
}
