package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.schemas.Completion;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's Responses API on the worker serving tiny-qwen2 with Qwen3's reasoning parser (WorkerFixture): an answer
 * held by a regex to a {@code <think>} block and a reply is a reasoning item and a message item, whole and as the
 * stream's typed events (in OpenAI's order, numbered from 0, adding up to the same items); the answer is the chat
 * answer to the same messages (same fingerprint and output hash) and is published to the completions topic. (The
 * official openai SDK's view: openai-client.mjs, NodeClientsIT.)
 */
class ResponsesApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String THINKING = "<think>\n[a-z]{2,8}( [a-z]{2,8}){1,3}\n</think>\n\n[a-z]{2,8}( [a-z]{2,8}){1,3}";

    private final WorkerProcess qwen = WorkerFixture.get().qwen();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aThinkingAnswerIsAReasoningItemAndAMessageItem() throws Exception {
        JsonNode whole = JSON.readTree(post("/v1/responses", request(false)).body());
        assertEquals("completed", whole.get("status").asText(), whole.toString());
        JsonNode output = whole.get("output");
        assertEquals(2, output.size(), output.toString());
        assertEquals("reasoning", output.get(0).get("type").asText());
        String thought = output.get(0).get("content").get(0).get("text").asText();
        assertEquals("message", output.get(1).get("type").asText());
        String said = output.get(1).get("content").get(0).get("text").asText();

        // the chat answer to the same messages: the same output, split the same way
        ObjectNode chat = JSON.createObjectNode().put("model", "tiny-qwen2").put("temperature", 0)
                .put("max_tokens", 120).put("guided_regex", THINKING);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Is Rome far?");
        JsonNode chatAnswer = JSON.readTree(post("/v1/chat/completions", chat.toString()).body());
        JsonNode choice = chatAnswer.get("choices").get(0);
        assertEquals(choice.get("output_hash").asText(), whole.get("output_hash").asText());
        assertEquals(choice.get("fingerprint").asText(), whole.get("fingerprint").asText());
        assertEquals(choice.get("message").get("reasoning").asText(), thought);
        assertEquals(choice.get("message").get("content").asText(), said);
        JsonNode usage = whole.get("usage");
        int reasoningTokens = usage.get("output_tokens_details").get("reasoning_tokens").asInt();
        assertTrue(reasoningTokens > 0 && reasoningTokens < usage.get("output_tokens").asInt(), usage.toString());
        assertEquals(reasoningTokens, chatAnswer.get("usage").get("completion_tokens_details").get("reasoning_tokens")
                .asInt(), "chat's usage counts the same, as vLLM's with a reasoning parser");

        Completion c = Clients.published(whole.get("id").asText());
        assertNull(c.getError());
        assertEquals(whole.get("output_hash").asText(), c.getOutputHash());
        assertEquals(thought, c.getReasoning());
    }

    @Test
    void theStreamsEventsAddUpToTheWholeResponse() throws Exception {
        JsonNode whole = JSON.readTree(post("/v1/responses", request(false)).body());
        var r = post("/v1/responses", request(true));
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> events = new ArrayList<>();
        String name = null;
        for (String line : r.body().lines().toList()) {
            if (line.startsWith("event: ")) name = line.substring(7);
            if (!line.startsWith("data: ")) continue;
            JsonNode e = JSON.readTree(line.substring(6));
            assertEquals(name, e.get("type").asText(), "each event's name is its type");
            assertEquals(events.size(), e.get("sequence_number").asInt());
            events.add(e);
        }
        List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added"), types.subList(0, 4));
        assertEquals("response.completed", types.getLast());
        var thought = new StringBuilder();
        var said = new StringBuilder();
        for (JsonNode e : events) {
            switch (e.get("type").asText()) {
                case "response.reasoning_text.delta" -> thought.append(e.get("delta").asText());
                case "response.output_text.delta" -> said.append(e.get("delta").asText());
                default -> { }
            }
        }
        JsonNode output = whole.get("output");
        assertEquals(output.get(0).get("content").get(0).get("text").asText(), thought.toString());
        assertEquals(output.get(1).get("content").get(0).get("text").asText(), said.toString());
        assertTrue(types.indexOf("response.output_item.done") < types.lastIndexOf("response.output_item.added"),
                "the reasoning item ends before the message item starts: " + types);
        JsonNode last = events.getLast().get("response");
        assertEquals(withoutIds(output), withoutIds(last.get("output")), "ids differ per response, nothing else");
        assertEquals(whole.get("output_hash"), last.get("output_hash"));
        assertEquals(whole.get("usage"), last.get("usage"));
    }

    @Test
    void withToolsTheTextStreamsUntilACallMayBeginAndTheCallsComeLast() throws Exception {
        ObjectNode body = JSON.createObjectNode().put("model", "tiny-qwen2").put("temperature", 0)
                .put("max_output_tokens", 120).put("input", "Weather in Rome?").put("tool_choice", "auto")
                .put("guided_regex", "Let me check the weather\\.\n<tool_call>\n\\{\"name\": \"get_weather\", "
                        + "\"arguments\": \\{\"city\": \"Rome\"\\}\\}\n</tool_call>");
        body.putArray("tools").addObject().put("type", "function").put("name", "get_weather")
                .putObject("parameters").put("type", "object").putObject("properties").putObject("city")
                .put("type", "string");
        JsonNode whole = JSON.readTree(post("/v1/responses", body.toString()).body());
        assertEquals(List.of("message", "function_call"), whole.get("output").findValuesAsText("type").stream()
                .filter(t -> !t.equals("output_text")).toList(), whole.toString());
        var r = post("/v1/responses", body.put("stream", true).toString());
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> events = new ArrayList<>();
        for (String line : r.body().lines().filter(l -> l.startsWith("data: ")).toList()) {
            events.add(JSON.readTree(line.substring(6)));
        }
        List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
        int firstText = types.indexOf("response.output_text.delta");
        int firstCall = types.indexOf("response.function_call_arguments.delta");
        assertTrue(firstText >= 0 && firstText < firstCall, "the text streams before the call: " + types);
        var said = new StringBuilder();
        events.stream().filter(e -> e.get("type").asText().equals("response.output_text.delta"))
                .forEach(e -> said.append(e.get("delta").asText()));
        assertEquals(whole.get("output").get(0).get("content").get(0).get("text").asText(), said.toString());
        JsonNode last = events.getLast().get("response");
        assertEquals(withoutIds(whole.get("output")), withoutIds(last.get("output")));
        assertEquals(whole.get("output_hash"), last.get("output_hash"));
    }

    /**
     * include {@code message.output_text.logprobs} with {@code top_logprobs}: the output text's list is chat's for the
     * same messages (every generated token, the thinking block's included, as vLLM lists them); a stream's deltas'
     * lists add up to it; without the include, top_logprobs alone adds nothing (vLLM's rule).
     */
    @Test
    void theOutputTextsLogprobsAreChatsForTheSameTokens() throws Exception {
        ObjectNode asked = ((ObjectNode) JSON.readTree(request(false))).put("top_logprobs", 2);
        asked.putArray("include").add("message.output_text.logprobs");
        JsonNode whole = JSON.readTree(post("/v1/responses", asked.toString()).body());
        JsonNode listed = whole.get("output").get(1).get("content").get(0).get("logprobs");

        ObjectNode chat = JSON.createObjectNode().put("model", "tiny-qwen2").put("temperature", 0)
                .put("max_tokens", 120).put("guided_regex", THINKING).put("logprobs", true).put("top_logprobs", 2);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Is Rome far?");
        JsonNode choice = JSON.readTree(post("/v1/chat/completions", chat.toString()).body()).get("choices").get(0);
        assertEquals(choice.get("logprobs").get("content"), listed);
        assertEquals(whole.get("usage").get("output_tokens").asInt(), listed.size());
        assertEquals(2, listed.get(0).get("top_logprobs").size(), listed.get(0).toString());

        var r = post("/v1/responses", asked.put("stream", true).toString());
        assertEquals(200, r.statusCode(), r.body());
        var streamed = JSON.createArrayNode();
        JsonNode done = null;
        for (String line : r.body().lines().filter(l -> l.startsWith("data: ")).toList()) {
            JsonNode e = JSON.readTree(line.substring(6));
            switch (e.get("type").asText()) {
                case "response.output_text.delta" -> streamed.addAll((ArrayNode) e.get("logprobs"));
                case "response.output_text.done" -> done = e.get("logprobs");
                default -> { }
            }
        }
        assertEquals(listed, streamed, "the deltas' lists add up to the whole");
        assertEquals(listed, done);

        ObjectNode notAsked = ((ObjectNode) JSON.readTree(request(false))).put("top_logprobs", 2);
        JsonNode plain = JSON.readTree(post("/v1/responses", notAsked.toString()).body());
        assertEquals(0, plain.get("output").get(1).get("content").get(0).get("logprobs").size(), plain.toString());
    }

    @Test
    void aRequestRefusedBeforeItStartsIsAnHttpErrorNamingTheResponsesField() throws Exception {
        var r = post("/v1/responses", "{\"model\": \"tiny-qwen2\", \"input\": [{\"role\": \"user\", \"content\": \"a\"},"
                + " {\"role\": \"robot\", \"content\": \"b\"}], \"stream\": true}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("input[1]", JSON.readTree(r.body()).get("error").get("param").asText(), r.body());
        // nothing is stored: retrieving a response is a 404 that says so
        var get = http.send(HttpRequest.newBuilder(qwen.http("/v1/responses/resp_1")).timeout(WAIT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, get.statusCode(), get.body());
        assertTrue(JSON.readTree(get.body()).get("error").get("message").asText().contains("stores no responses"),
                get.body());
    }

    private static JsonNode withoutIds(JsonNode items) {
        JsonNode copy = items.deepCopy();
        for (JsonNode item : copy) ((ObjectNode) item).remove("id");
        return copy;
    }

    private static String request(boolean stream) {
        return "{\"model\": \"tiny-qwen2\", \"input\": \"Is Rome far?\", \"temperature\": 0, \"max_output_tokens\": 120,"
                + " \"guided_regex\": " + JSON.valueToTree(THINKING) + ", \"stream\": " + stream + "}";
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, qwen.http(path), json);
    }
}
