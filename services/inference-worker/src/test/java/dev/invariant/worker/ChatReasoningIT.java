package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.StructuredOutput;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Reasoning on a worker serving tiny-qwen2 with {@code invariant.reasoning-parser=qwen3} (WorkerFixture): an answer
 * held by a regex to a {@code <think>} block and a reply has the block's text as the message's {@code reasoning} (and
 * {@code reasoning_content}) and the reply as its {@code content}, whole or streamed (the deltas add up to the same
 * fields, no tag in either), and through Kafka the same on the Completion record, whose text stays the whole output.
 */
class ChatReasoningIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final String THINKING = "<think>\n[a-z]{2,8}( [a-z]{2,8}){1,3}\n</think>\n\n[a-z]{2,8}( [a-z]{2,8}){1,3}";
    private static final String USER = "Is Rome far?";

    private final WorkerProcess qwen = WorkerFixture.get().qwen();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theThinkingBlockIsTheReasoningWholeOrStreamed() throws Exception {
        JsonNode whole = JSON.readTree(chat(THINKING, false).body()).get("choices").get(0);
        JsonNode message = whole.get("message");
        String reasoning = message.get("reasoning").asText();
        String content = message.get("content").asText();
        assertTrue(Pattern.compile("\n[a-z]+( [a-z]+)+\n").matcher(reasoning).matches(), message.toString());
        assertTrue(Pattern.compile("\n\n[a-z]+( [a-z]+)+").matcher(content).matches(), message.toString());
        assertEquals(reasoning, message.get("reasoning_content").asText(), "vLLM's former name carries the same");
        assertEquals("stop", whole.get("finish_reason").asText());

        var streamed = chat(THINKING, true);
        assertEquals(200, streamed.statusCode(), streamed.body());
        List<String> events = streamed.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> l.substring(5).trim()).toList();
        var thought = new StringBuilder();
        var said = new StringBuilder();
        int reasoningChunks = 0;
        JsonNode last = null;
        for (String e : events.subList(0, events.size() - 1)) {
            last = JSON.readTree(e).get("choices").get(0);
            JsonNode delta = last.get("delta");
            if (delta.has("reasoning")) {
                reasoningChunks++;
                thought.append(delta.get("reasoning").asText());
                assertEquals(delta.get("reasoning"), delta.get("reasoning_content"));
            }
            if (delta.has("content")) said.append(delta.get("content").asText());
        }
        assertTrue(reasoningChunks > 1, "the reasoning streams as it comes: " + events);
        assertEquals(reasoning, thought.toString());
        assertEquals(content, said.toString());
        assertEquals(whole.get("output_hash").asText(), last.get("output_hash").asText());
        assertFalse(thought.toString().contains("think>") || said.toString().contains("think>"), events.toString());
    }

    @Test
    void includeReasoningFalseLeavesTheThinkingOff() throws Exception {
        JsonNode shown = JSON.readTree(chat(THINKING, false).body()).get("choices").get(0);
        JsonNode hidden = JSON.readTree(post(body(THINKING, false).put("include_reasoning", false)).body())
                .get("choices").get(0);
        assertTrue(hidden.get("message").get("reasoning").isNull(), hidden.toString());
        assertEquals(shown.get("message").get("content"), hidden.get("message").get("content"));
        assertEquals(shown.get("output_hash"), hidden.get("output_hash"), "the same output, shown differently");
        String stream = post(body(THINKING, true).put("include_reasoning", false)).body();
        var said = new StringBuilder();
        for (String line : stream.lines().filter(l -> l.startsWith("data: {")).toList()) {
            JsonNode delta = JSON.readTree(line.substring(6)).get("choices").get(0).get("delta");
            assertFalse(delta.has("reasoning"), line);
            if (delta.has("content")) said.append(delta.get("content").asText());
        }
        assertEquals(shown.get("message").get("content").asText(), said.toString());
    }

    @Test
    void anAnswerWithoutABlockIsAllContent() throws Exception {
        JsonNode message = JSON.readTree(chat("[a-z]{2,8}( [a-z]{2,8}){1,3}", false).body()).get("choices").get(0)
                .get("message");
        assertTrue(message.get("reasoning").isNull(), message.toString());
        assertTrue(Pattern.compile("[a-z]+( [a-z]+)+").matcher(message.get("content").asText()).matches(),
                message.toString());
        JsonNode usage = JSON.readTree(chat("[a-z]{2,8}( [a-z]{2,8}){1,3}", false).body()).get("usage");
        assertEquals(0, usage.get("completion_tokens_details").get("reasoning_tokens").asInt(), usage.toString());
    }

    @Test
    void throughKafkaTheRecordCarriesTheSameReasoningAndContent() throws Exception {
        JsonNode overHttp = JSON.readTree(chat(THINKING, false).body()).get("choices").get(0);
        var request = InferenceRequest.newBuilder().setRequestId("reasoning-kafka-1").setModel("tiny-qwen2")
                .setMessages(List.of(dev.invariant.schemas.ChatMessage.newBuilder().setRole("user").setContent(USER)
                        .build()))
                .setSampling(Sampling.newBuilder().setTemperature(0f).setMaxTokens(120).setStructuredOutput(
                        StructuredOutput.newBuilder().setKind("regex").setSpec(THINKING).build()).build()).build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            clients.send(new ProducerRecord<>(WorkerFixture.QWEN_REQUESTS, Clients.key(request.getRequestId()),
                    clients.encode(WorkerFixture.QWEN_REQUESTS, request)));
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("reasoning-kafka-1"), 1, WAIT)
                    .getFirst();
            assertNull(c.getError());
            assertEquals(overHttp.get("output_hash").asText(), c.getOutputHash());
            JsonNode message = overHttp.get("message");
            assertEquals(message.get("reasoning").asText(), c.getReasoning());
            assertEquals(message.get("content").asText(), c.getContent());
            assertEquals("<think>" + c.getReasoning() + "</think>" + c.getContent(), c.getText(),
                    "the text stays the whole output");
        }
    }

    private HttpResponse<String> chat(String regex, boolean stream) throws IOException, InterruptedException {
        return post(body(regex, stream));
    }

    private static ObjectNode body(String regex, boolean stream) {
        ObjectNode body = JSON.createObjectNode().put("model", "tiny-qwen2").put("temperature", 0)
                .put("max_tokens", 120).put("guided_regex", regex).put("stream", stream);
        body.putArray("messages").addObject().put("role", "user").put("content", USER);
        return body;
    }

    private HttpResponse<String> post(ObjectNode body) throws IOException, InterruptedException {
        return HttpCalls.post(http, qwen.http("/v1/chat/completions"), body.toString());
    }
}
