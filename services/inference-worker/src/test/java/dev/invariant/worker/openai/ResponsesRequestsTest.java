package dev.invariant.worker.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import org.junit.jupiter.api.Test;

/** A Responses API body as the chat request it spells, and what it cannot ask named by the caller's field. */
class ResponsesRequestsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode chat(String body) throws Exception {
        return ResponsesRequests.toChat(JSON.readTree(body)).body();
    }

    @Test
    void instructionsAndAStringInputAreASystemAndAUserMessage() throws Exception {
        JsonNode c = chat("""
                {"model": "m", "instructions": "Be terse.", "input": "Hi", "max_output_tokens": 9, "seed": 3,
                 "store": true, "metadata": {"k": "v"}, "text": {"format": {"type": "text"}}}""");
        assertEquals(JSON.readTree("""
                [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"}]"""), c.get("messages"));
        assertEquals(9, c.get("max_tokens").asInt());
        assertEquals(3, c.get("seed").asInt(), "vLLM's sampling extras pass through");
        assertEquals("text", c.get("response_format").get("type").asText());
        for (String gone : new String[] {"input", "instructions", "max_output_tokens", "store", "metadata", "text"}) {
            assertFalse(c.has(gone), gone);
        }
    }

    @Test
    void includeAsksForTheOutputTextsLogprobsAndTopLogprobsAloneAddsNothing() throws Exception {
        JsonNode asked = chat("""
                {"input": "Hi", "include": ["reasoning.encrypted_content", "message.output_text.logprobs"],
                 "top_logprobs": 3}""");
        assertTrue(asked.get("logprobs").asBoolean());
        assertEquals(3, asked.get("top_logprobs").asInt());
        assertFalse(asked.has("include"));
        JsonNode alone = chat("{\"input\": \"Hi\", \"top_logprobs\": 3, \"include\": []}");
        assertFalse(alone.has("logprobs") || alone.has("top_logprobs"), alone.toString());
        for (String include : new String[] {"\"message.output_text.logprobs\"", "[1]"}) {
            String body = "{\"input\": \"Hi\", \"include\": " + include + "}";
            var e = assertThrows(EngineException.class, () -> chat(body));
            assertEquals("include", e.param(), e.getMessage());
        }
    }

    @Test
    void itemsBecomeTurnsCallsAndTheirResults() throws Exception {
        JsonNode c = chat("""
                {"input": [
                  {"role": "developer", "content": [{"type": "input_text", "text": "Be "}, {"type": "input_text", "text": "terse."}]},
                  {"type": "message", "role": "user", "content": "Weather?"},
                  {"type": "reasoning", "id": "rs_1", "summary": []},
                  {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{\\"city\\": \\"Rome\\"}"},
                  {"type": "function_call", "call_id": "c2", "name": "w", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c1", "output": "21"}],
                 "tools": [{"type": "function", "name": "w", "parameters": {"type": "object"}, "strict": true}],
                 "tool_choice": {"type": "function", "name": "w"}}""");
        JsonNode m = c.get("messages");
        assertEquals(4, m.size(), m.toString());
        assertEquals("Be terse.", m.get(0).get("content").asText());
        assertEquals("developer", m.get(0).get("role").asText());
        assertEquals(2, m.get(2).get("tool_calls").size(), "consecutive calls are one assistant turn");
        assertEquals("c2", m.get(2).get("tool_calls").get(1).get("id").asText());
        assertEquals("{\"city\": \"Rome\"}", m.get(2).get("tool_calls").get(0).get("function").get("arguments").asText());
        assertEquals("tool", m.get(3).get("role").asText());
        assertEquals("c1", m.get(3).get("tool_call_id").asText());
        assertEquals(JSON.readTree("""
                [{"type": "function", "function": {"name": "w", "parameters": {"type": "object"}}}]"""), c.get("tools"));
        assertEquals(JSON.readTree("{\"type\": \"function\", \"function\": {\"name\": \"w\"}}"), c.get("tool_choice"));
    }

    @Test
    void reasoningIsTheThinkingOfTheAssistantTurnItPrecedes() throws Exception {
        JsonNode m = chat("""
                {"input": [
                  {"role": "user", "content": "Q"},
                  {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "plan"}]},
                  {"type": "function_call", "call_id": "c1", "name": "w", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c1", "output": "21"},
                  {"type": "reasoning", "summary": [{"type": "summary_text", "text": "sum"}]},
                  {"role": "assistant", "content": "It is 21."},
                  {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "alone"}]},
                  {"role": "user", "content": "And?"},
                  {"type": "reasoning", "content": [{"type": "reasoning_text", "text": "last"}]}]}""").get("messages");
        assertEquals(JSON.readTree("""
                [{"role": "user", "content": "Q"},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                   "function": {"name": "w", "arguments": "{}"}}], "reasoning": "plan"},
                 {"role": "tool", "tool_call_id": "c1", "content": "21"},
                 {"role": "assistant", "content": "It is 21.", "reasoning": "sum"},
                 {"role": "assistant", "reasoning": "alone", "content": null},
                 {"role": "user", "content": "And?"},
                 {"role": "assistant", "reasoning": "last", "content": null}]"""), m);
        var translated = ResponsesRequests.toChat(JSON.readTree("""
                {"input": [{"role": "user", "content": "Q"}, {"type": "reasoning", "content": [{"text": "t"}]}]}"""));
        assertEquals(2, translated.origins().size());
        assertEquals("input[1]", translated.param("messages[1]"), "a turn of reasoning alone names its item");
        assertRefused("{\"input\": [{\"type\": \"reasoning\", \"encrypted_content\": \"x\"}]}",
                "input[0].encrypted_content");
    }

    @Test
    void aJsonSchemaFormatIsChatsResponseFormat() throws Exception {
        JsonNode c = chat("""
                {"input": "x", "text": {"format": {"type": "json_schema", "name": "n", "schema": {"type": "object"}, "strict": true}}}""");
        assertEquals(JSON.readTree("""
                {"type": "json_schema", "json_schema": {"name": "n", "schema": {"type": "object"}, "strict": true}}"""),
                c.get("response_format"));
    }

    @Test
    void whatThisServerCannotDoIsRefusedByTheCallersField() {
        assertRefused("{\"input\": \"x\", \"previous_response_id\": \"resp_1\"}", "previous_response_id");
        assertRefused("{\"input\": \"x\", \"background\": true}", "background");
        assertRefused("{\"input\": \"x\", \"prompt\": {\"id\": \"pmpt_1\"}}", "prompt");
        assertRefused("{\"input\": \"x\", \"n\": 2}", "n");
        assertRefused("{\"input\": 3}", "input");
        assertRefused("{\"input\": []}", "input");
        assertRefused("{\"input\": [{\"role\": \"user\", \"content\": [{\"type\": \"input_image\", \"image_url\": \"u\"}]}]}",
                "input[0].content[0]");
        assertRefused("{\"input\": [{\"type\": \"web_search_call\"}]}", "input[0].type");
        assertRefused("{\"input\": \"x\", \"tools\": [{\"type\": \"file_search\"}]}", "tools[0].type");
        assertRefused("{\"input\": \"x\", \"instructions\": 5}", "instructions");
    }

    @Test
    void aChatFieldsErrorNamesTheResponsesField() throws Exception {
        var c = ResponsesRequests.toChat(JSON.readTree("""
                {"instructions": "i", "input": [{"role": "user", "content": "a"}, {"type": "reasoning"},
                  {"type": "function_call", "call_id": "c", "name": "w"}, {"type": "function_call", "call_id": "d", "name": "w"},
                  {"role": "bogus", "content": "b"}]}"""));
        assertEquals("instructions", c.param("messages[0].content"));
        assertEquals("input[0].content", c.param("messages[1].content"));
        assertEquals("input[2]", c.param("messages[2].tool_calls[1].function.name"));
        assertEquals("input[4].role", c.param("messages[3].role"));
        assertEquals("max_output_tokens", c.param("max_tokens"));
        assertEquals("max_output_tokens", ResponsesRequests.param("max_tokens"));
        assertEquals("text.format.json_schema", ResponsesRequests.param("response_format.json_schema"));
        assertEquals("tools[1].name", ResponsesRequests.param("tools[1].function.name"));
        assertEquals("temperature", ResponsesRequests.param("temperature"));
        assertTrue(ResponsesRequests.param(null) == null);
    }

    private static void assertRefused(String body, String param) {
        var e = assertThrows(EngineException.class, () -> chat(body), body);
        assertEquals(param, e.param(), e.getMessage());
    }
}
