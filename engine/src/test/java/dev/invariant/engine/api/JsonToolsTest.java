package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonTools.Mode;
import dev.invariant.engine.sample.structured.StructuredOutput;
import org.junit.jupiter.api.Test;

/** The request contract's tool fields: what is accepted, what each refusal names, what tool_choice constrains. */
class JsonToolsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
            + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}},"
            + " \"required\": [\"city\"]}}}, {\"type\": \"function\", \"function\": {\"name\": \"now\"}}]";

    private static JsonFields fields(String json) {
        try {
            return JsonFields.of(JSON.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static EngineException refused(String json) {
        return assertThrows(EngineException.class, () -> {
            JsonFields f = fields(json);
            JsonTools.choice(f, JsonRequests.chat(f).tools());
        });
    }

    @Test
    void toolsReachThePromptAndChoiceDefaultsToAuto() {
        JsonFields f = fields("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": " + TOOLS + "}");
        Prompt.Chat chat = JsonRequests.chat(f);
        assertEquals(2, JsonTools.functions(chat.tools()).size());
        assertEquals(Mode.AUTO, JsonTools.choice(f, chat.tools()).mode());
        JsonFields none = fields("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": []}");
        assertNull(JsonRequests.chat(none).tools());
        assertEquals(Mode.NONE, JsonTools.choice(none, null).mode());
    }

    @Test
    void earlierCallsAndToolResultsAreRead() {
        Prompt.Chat chat = JsonRequests.chat(fields("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                + " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"now\", \"arguments\": \"{}\"}}]},"
                + " {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": \"noon\"}]}"));
        assertNull(chat.messages().get(1).content());
        assertEquals("now", chat.messages().get(1).toolCalls().getFirst().name());
        assertEquals("c1", chat.messages().get(2).toolCallId());
    }

    @Test
    void badToolsAreRefusedNamingTheField() {
        String msg = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], ";
        assertEquals("tools[0].type", refused(msg + "\"tools\": [{\"type\": \"code_interpreter\"}]}").param());
        assertEquals("tools[0].function.name", refused(msg + "\"tools\": [{\"type\": \"function\", \"function\":"
                + " {\"name\": \"has space\"}}]}").param());
        assertEquals("tools[0].function", refused(msg + "\"tools\": [{\"type\": \"function\"}]}").param());
        assertEquals("tools[1].function.name", refused(msg + "\"tools\": [{\"function\": {\"name\": \"a\"}},"
                + " {\"function\": {\"name\": \"a\"}}]}").param());
        assertEquals("tool_choice", refused(msg + "\"tool_choice\": \"required\"}").param());
        assertEquals("tool_choice", refused(msg + "\"tools\": " + TOOLS + ", \"tool_choice\": {\"type\": \"function\","
                + " \"function\": {\"name\": \"missing\"}}}").param());
        assertEquals("tool_choice", refused(msg + "\"tools\": " + TOOLS + ", \"tool_choice\": \"always\"}").param());
        var badArgs = refused("{\"messages\": [{\"role\": \"assistant\", \"tool_calls\": [{\"function\": {\"name\":"
                + " \"now\", \"arguments\": \"{not json\"}}]}]}");
        assertTrue(badArgs.getMessage().contains("not valid JSON"), badArgs.getMessage());
        var userCalls = refused("{\"messages\": [{\"role\": \"user\", \"content\": \"x\", \"tool_calls\": [{\"function\":"
                + " {\"name\": \"now\"}}]}]}");
        assertTrue(userCalls.getMessage().contains("only assistant messages"), userCalls.getMessage());
    }

    @Test
    void requiredAndNamedChoicesBecomeStructuredOutputs() {
        JsonFields f = fields("{\"messages\": [], \"tools\": " + TOOLS + "}");
        String tools = JsonTools.tools(f);
        assertTrue(JsonTools.constraint(new JsonTools.Choice(Mode.AUTO, null), tools, true).isEmpty());
        StructuredOutput named = JsonTools.constraint(new JsonTools.Choice(Mode.NAMED, "get_weather"), tools, true)
                .orElseThrow();
        assertEquals(StructuredOutput.Kind.JSON_SCHEMA, named.kind());
        assertTrue(named.spec().contains("\"city\""), named.spec());
        // a function without parameters: any JSON object
        assertEquals(StructuredOutput.jsonObject(),
                JsonTools.constraint(new JsonTools.Choice(Mode.NAMED, "now"), tools, true).orElseThrow());
        StructuredOutput required = JsonTools.constraint(new JsonTools.Choice(Mode.REQUIRED, null), tools, true)
                .orElseThrow();
        assertTrue(required.spec().contains("\"minItems\":1") && !required.spec().contains("maxItems"), required.spec());
        StructuredOutput one = JsonTools.constraint(new JsonTools.Choice(Mode.REQUIRED, null), tools, false)
                .orElseThrow();
        assertTrue(one.spec().contains("\"maxItems\":1"), one.spec());
    }
}
