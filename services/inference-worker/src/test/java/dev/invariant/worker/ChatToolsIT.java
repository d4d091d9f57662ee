package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Tool calling on {@code /v1/chat/completions} of a worker serving tiny-qwen2 (Qwen's chat template, which shows
 * tools to the model): a named tool_choice is the engine's own generation under the function's schema, bit for bit,
 * its call read from that text; the tools reach the prompt that {@code /tokenize} reports; through Kafka the same
 * request has the same identity and its calls on the Completion record; what cannot be honoured is a 400 naming the
 * field (an error completion through Kafka). (The official openai SDK's view of the same: openai-client.mjs, NodeClientsIT.)
 */
class ChatToolsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String TOOLS = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\":"
            + " {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"enum\": [\"Paris\", \"Rome\"]}},"
            + " \"required\": [\"city\"]}}}]";
    private static final String CHAT = "{\"model\": \"tiny-qwen2\", \"temperature\": 0, \"max_tokens\": 30, \"messages\":"
            + " [{\"role\": \"user\", \"content\": \"Weather in Rome?\"}], \"tools\": " + TOOLS;

    private final WorkerProcess qwen = WorkerFixture.get().qwen();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aNamedCallIsTheEnginesGenerationUnderTheFunctionsSchema() throws Exception {
        String body = CHAT + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}}";
        var r = post("/v1/chat/completions", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode choice = JSON.readTree(r.body()).get("choices").get(0);
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertEquals("get_weather", call.get("function").get("name").asText());
        assertTrue(choice.get("message").get("content").isNull());
        assertEquals("stop", choice.get("finish_reason").asText());

        // the same request to the engine directly: the prompt with the tools, the function's schema as the constraint
        JsonFields f = JsonFields.of(JSON.readTree(body));
        Prompt.Chat chat = JsonRequests.chat(f);
        SamplingParams params = JsonTools.constrain(chat, SamplingParams.builder().temperature(0f).maxTokens(30).build());
        assertTrue(params.structuredOutput() != null, "a named tool_choice constrains the answer");
        GenerationResult direct;
        try (Engine e = Engine.open(WorkerFixture.qwenEngineConfig())) {
            direct = e.generateAll(List.of(new Request("direct", chat, params)), (a, b, c) -> { }).getFirst();
        }
        assertTrue(direct.ok(), () -> "the engine failed: " + direct.error());
        assertEquals(direct.text(), call.get("function").get("arguments").asText());
        assertEquals(direct.outputHash(), choice.get("output_hash").asText());
        assertEquals(direct.fingerprint(), choice.get("fingerprint").asText());
        assertTrue(JSON.readTree(direct.text()).get("city").isTextual(), direct.text());

        // /tokenize shows the prompt the tools made, the one the generation ran on
        var ids = post("/tokenize", CHAT + "}");
        assertEquals(200, ids.statusCode(), ids.body());
        int[] tokens = JSON.convertValue(JSON.readTree(ids.body()).get("tokens"), int[].class);
        assertArrayEquals(direct.promptTokenIds(), tokens);
        var without = post("/tokenize", "{\"model\": \"tiny-qwen2\", \"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Weather in Rome?\"}]}");
        assertTrue(JSON.readTree(without.body()).get("tokens").size() < tokens.length, "the tools are in the prompt");
    }

    @Test
    void theSameCallThroughKafkaHasTheSameIdentityAndItsCallsOnTheRecord() throws Exception {
        String named = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}";
        JsonNode overHttp = JSON.readTree(post("/v1/chat/completions", CHAT + ", \"tool_choice\": " + named + "}").body())
                .get("choices").get(0);
        var request = InferenceRequest.newBuilder().setRequestId("tools-kafka-1").setModel("tiny-qwen2")
                .setMessages(List.of(dev.invariant.schemas.ChatMessage.newBuilder().setRole("user")
                        .setContent("Weather in Rome?").build()))
                .setTools(TOOLS).setToolChoice(named)
                .setSampling(Sampling.newBuilder().setTemperature(0f).setMaxTokens(30).build()).build();
        var bad = InferenceRequest.newBuilder(request).setRequestId("tools-kafka-bad").setToolChoice("always").build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (var r : List.of(request, bad)) {
                clients.send(new ProducerRecord<>(WorkerFixture.QWEN_REQUESTS, Clients.key(r.getRequestId()),
                        clients.encode(WorkerFixture.QWEN_REQUESTS, r)));
            }
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("tools-kafka-1"), 1, WAIT).getFirst();
            assertNull(c.getError());
            assertEquals(overHttp.get("fingerprint").asText(), c.getFingerprint());
            assertEquals(overHttp.get("output_hash").asText(), c.getOutputHash());
            JsonNode httpCall = overHttp.get("message").get("tool_calls").get(0);
            assertEquals(1, c.getToolCalls().size());
            assertEquals(httpCall.get("id").asText(), c.getToolCalls().getFirst().getId());
            assertEquals(httpCall.get("function").get("arguments").asText(), c.getToolCalls().getFirst().getArguments());
            assertEquals("get_weather", c.getToolCalls().getFirst().getName());
            Completion e = completions.awaitCount(x -> x.getRequestId().equals("tools-kafka-bad"), 1, WAIT).getFirst();
            assertEquals("INVALID_PARAM", e.getError().getCode());
            assertTrue(e.getError().getMessage().contains("tool_choice"), e.getError().getMessage());
        }
    }

    @Test
    void anAutoAnswerIsReadInTheFormTheModelsTemplateTeaches() throws Exception {
        // Qwen's template teaches hermes blocks: an answer held to one by a regex is read as a call, its prose as content
        JsonNode choice = autoAnswerMatching("Let me check\\.\n<tool_call>\n\\{\"name\": \"get_weather\", \"arguments\": "
                + "\\{\"city\": \"Rome\"\\}\\}\n</tool_call>");
        assertEquals("Let me check.\n", choice.get("message").get("content").asText(), choice.toString());
        JsonNode call = choice.get("message").get("tool_calls").get(0);
        assertEquals("get_weather", call.get("function").get("name").asText());
        assertEquals("{\"city\":\"Rome\"}", call.get("function").get("arguments").asText());
        assertEquals("tool_calls", choice.get("finish_reason").asText());
        // Llama 3's form is not this model's: the same call written so stays content
        JsonNode plain = autoAnswerMatching("\\{\"name\": \"get_weather\", \"parameters\": \\{\"city\": \"Rome\"\\}\\}");
        assertEquals("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}",
                plain.get("message").get("content").asText(), plain.toString());
        assertTrue(plain.get("message").path("tool_calls").isEmpty(), plain.toString());
        assertEquals("stop", plain.get("finish_reason").asText());
    }

    @Test
    void anAutoAnswerStreamsItsContentUntilACallMayBeginAndTheCallsAtTheEnd() throws Exception {
        String regex = "Let me check the weather\\.\n<tool_call>\n\\{\"name\": \"get_weather\", \"arguments\": "
                + "\\{\"city\": \"Rome\"\\}\\}\n</tool_call>";
        JsonNode whole = autoAnswerMatching(regex);
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(CHAT + "}");
        body.put("max_tokens", 120).put("tool_choice", "auto").put("guided_regex", regex).put("stream", true);
        var r = post("/v1/chat/completions", body.toString());
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> chunks = r.body().lines().filter(l -> l.startsWith("data: {"))
                .map(l -> { try { return JSON.readTree(l.substring(6)); } catch (IOException e) { throw new RuntimeException(e); } })
                .toList();
        var content = new StringBuilder();
        int beforeLast = 0;
        for (int k = 0; k < chunks.size(); k++) {
            JsonNode delta = chunks.get(k).get("choices").get(0).get("delta");
            String part = delta.path("content").asText("");
            content.append(part);
            if (k < chunks.size() - 1) {
                assertTrue(delta.path("tool_calls").isMissingNode(), "calls come last: " + delta);
                beforeLast += part.length();
            }
        }
        assertEquals(whole.get("message").get("content").asText(), content.toString(), "the deltas add up");
        assertTrue(beforeLast >= "Let me check the weather.".length(), "the prose streamed before the end: " + r.body());
        JsonNode last = chunks.getLast().get("choices").get(0);
        assertEquals(whole.get("message").get("tool_calls").get(0).get("function"),
                last.get("delta").get("tool_calls").get(0).get("function"));
        assertEquals("tool_calls", last.get("finish_reason").asText());
        assertEquals(whole.get("output_hash"), last.get("output_hash"));
    }

    /** The first choice of CHAT under tool_choice "auto", its text held to {@code regex}. */
    private JsonNode autoAnswerMatching(String regex) throws Exception {
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(CHAT + "}");
        body.put("max_tokens", 120).put("tool_choice", "auto").put("guided_regex", regex);
        var r = post("/v1/chat/completions", body.toString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("choices").get(0);
    }

    @Test
    void whatCannotBeHonouredIsA400NamingTheField() throws Exception {
        assertRefused("/v1/chat/completions", CHAT + ", \"tool_choice\": \"required\", \"response_format\":"
                + " {\"type\": \"json_object\"}}", "tool_choice");
        assertRefused("/v1/completions", "{\"model\": \"tiny-qwen2\", \"prompt\": \"x\", \"tools\": " + TOOLS + "}",
                "tools");
        assertRefused("/v1/chat/completions", CHAT + ", \"tool_choice\": {\"type\": \"function\", \"function\":"
                + " {\"name\": \"now\"}}}", "tool_choice");
        assertRefused("/v1/chat/completions", "{\"model\": \"tiny-qwen2\", \"messages\": [{\"role\": \"user\","
                + " \"content\": \"x\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"a b\"}}]}",
                "tools[0].function.name");
    }

    private void assertRefused(String path, String body, String param) throws Exception {
        var r = post(path, body);
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(param, JSON.readTree(r.body()).get("error").get("param").asText(), r.body());
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, qwen.http(path), json);
    }
}
