package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.ChatMessage;
import dev.invariant.engine.text.Tokenizer;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code /v1/chat/completions} over real HTTP on a worker serving tiny-qwen2 (the real Qwen tokenizer and chat
 * template, seeded random weights): the same answer as the engine called here, a prompt equal to Hugging Face's
 * rendering of the template, streaming, publication to the completions topic, and the same chat through Kafka.
 */
class ChatApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int MAX_TOKENS = 24;
    private static final long SEED = 7;

    private final WorkerProcess qwen = WorkerFixture.get().qwen();
    private final HttpClient http = HttpClient.newHttpClient();

    /** A system + user chat with its token ids as Hugging Face's apply_chat_template gives them. */
    private record GoldenChat(List<ChatMessage> messages, int[] ids, JsonNode json) {
    }

    @Test
    void aChatCompletionIsTheEnginesAnswerToTheTemplatedPromptAndIsPublished() throws Exception {
        GoldenChat chat = goldenSystemUserChat();
        var response = post(chatBody(chat, ""));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("tiny-qwen2", body.get("model").asText());
        JsonNode choice = body.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());

        GenerationResult direct = direct(chat);
        assertTrue(direct.ok(), () -> "the engine failed: " + direct.error());
        assertArrayEquals(chat.ids(), direct.promptTokenIds(), "the engine renders the template as transformers does");
        assertEquals(direct.text(), choice.get("message").get("content").asText());
        assertEquals(direct.fingerprint(), choice.get("fingerprint").asText());
        assertEquals(direct.outputHash(), choice.get("output_hash").asText());
        assertEquals(direct.finishReason().wireName(), choice.get("finish_reason").asText());
        JsonNode usage = body.get("usage");
        assertEquals(chat.ids().length, usage.get("prompt_tokens").asInt());
        assertEquals(direct.tokenIds().length, usage.get("completion_tokens").asInt());
        assertEquals(chat.ids().length + direct.tokenIds().length, usage.get("total_tokens").asInt());

        // vLLM's /tokenize of the same messages gives the ids the generation ran on.
        var tokenize = http.send(HttpRequest.newBuilder(qwen.http("/tokenize")).header("Content-Type", "application/json")
                .timeout(WAIT).POST(HttpRequest.BodyPublishers.ofString(chatBody(chat, ""))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, tokenize.statusCode(), tokenize.body());
        assertArrayEquals(chat.ids(), ints(JSON.convertValue(JSON.readTree(tokenize.body()).get("tokens"),
                new com.fasterxml.jackson.core.type.TypeReference<List<Integer>>() { })));

        // The monitor sees HTTP traffic: the same answer is on the completions topic, with the prompt ids used.
        String id = body.get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            List<Completion> got = completions.awaitCount(c -> c.getRequestId().equals(id), 1, WAIT);
            assertEquals(1, got.size(), "published once");
            Completion c = got.getFirst();
            assertNull(c.getError());
            assertEquals("tiny-qwen2", c.getModel());
            assertEquals("test-qwen", c.getWorkerId());
            assertArrayEquals(chat.ids(), ints(c.getPromptTokenIds()), "the prompt ids the worker used");
            assertArrayEquals(direct.tokenIds(), ints(c.getTokenIds()));
            assertEquals(direct.fingerprint(), c.getFingerprint());
            assertEquals(direct.outputHash(), c.getOutputHash());
        }
    }

    @Test
    void streamedDeltasAddUpToTheSameChatAnswer() throws Exception {
        GoldenChat chat = goldenSystemUserChat();
        JsonNode whole = JSON.readTree(post(chatBody(chat, "")).body()).get("choices").get(0);
        var streamed = post(chatBody(chat, ", \"stream\": true"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = streamed.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> l.substring(5).trim()).toList();
        assertEquals("[DONE]", events.getLast(), "the stream ends with [DONE]");
        assertTrue(events.size() >= 3, "at least one delta before the last event: " + events);

        var content = new StringBuilder();
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) chunks.add(JSON.readTree(e));
        for (int i = 0; i < chunks.size(); i++) {
            JsonNode chunk = chunks.get(i);
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            JsonNode choice = chunk.get("choices").get(0);
            content.append(choice.get("delta").get("content").asText());
            boolean last = i == chunks.size() - 1;
            assertEquals(last, !choice.get("finish_reason").isNull(), "only the last chunk has a finish_reason");
        }
        assertEquals("assistant", chunks.getFirst().get("choices").get(0).get("delta").get("role").asText());
        JsonNode last = chunks.getLast().get("choices").get(0);
        assertEquals(whole.get("message").get("content").asText(), content.toString());
        assertEquals(whole.get("finish_reason").asText(), last.get("finish_reason").asText());
        assertEquals(whole.get("fingerprint").asText(), last.get("fingerprint").asText());
        assertEquals(whole.get("output_hash").asText(), last.get("output_hash").asText());
    }

    @Test
    void theSameChatThroughKafkaHasTheSameIdentityAsOverHttp() throws Exception {
        GoldenChat chat = goldenSystemUserChat();
        JsonNode overHttp = JSON.readTree(post(chatBody(chat, "")).body()).get("choices").get(0);
        var messages = chat.messages().stream().map(m -> dev.invariant.schemas.ChatMessage.newBuilder()
                .setRole(m.role()).setContent(m.content()).build()).toList();
        var request = InferenceRequest.newBuilder().setRequestId("chat-kafka-1").setModel("tiny-qwen2")
                .setMessages(messages).setSampling(Sampling.newBuilder().setMaxTokens(MAX_TOKENS).setSeed(SEED)
                        .build()).build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            send(clients, request);
            List<Completion> got = completions.awaitCount(c -> c.getRequestId().equals("chat-kafka-1"), 1, WAIT);
            assertEquals(1, got.size());
            Completion c = got.getFirst();
            assertNull(c.getError());
            assertEquals("test-qwen", c.getWorkerId(), "answered by the tiny-qwen2 worker");
            assertArrayEquals(chat.ids(), ints(c.getPromptTokenIds()));
            assertEquals(overHttp.get("fingerprint").asText(), c.getFingerprint());
            assertEquals(overHttp.get("output_hash").asText(), c.getOutputHash());
            assertEquals(overHttp.get("message").get("content").asText(), c.getText());
        }
    }

    @Test
    void aContinuedFinalMessageIsThePromptOnHttpTokenizeAndKafka() throws Exception {
        String messages = "[{\"role\": \"user\", \"content\": \"Write a haiku about rain.\"}, {\"role\": \"assistant\","
                + " \"content\": \"Soft rain on the roof\"}]";
        String fields = ", \"add_generation_prompt\": false, \"continue_final_message\": true,"
                + " \"chat_template_kwargs\": {\"enable_thinking\": false}";
        // the engine's own rendering of the same request: the open assistant turn, no closing token after it
        int[] expected;
        try (Engine e = Engine.open(WorkerFixture.qwenEngineConfig())) {
            expected = e.promptIds(dev.invariant.engine.api.JsonRequests.chat(dev.invariant.engine.api.JsonFields.of(
                    JSON.readTree("{\"messages\": " + messages + fields + "}"))));
            assertTrue(e.tokenizer().decode(expected, false).endsWith("<|im_start|>assistant\nSoft rain on the roof"));
        }
        var tokenize = http.send(HttpRequest.newBuilder(qwen.http("/tokenize")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny-qwen2\", \"messages\": " + messages
                        + fields + "}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, tokenize.statusCode(), tokenize.body());
        assertArrayEquals(expected, JSON.convertValue(JSON.readTree(tokenize.body()).get("tokens"), int[].class));
        var answer = post("{\"model\": \"tiny-qwen2\", \"messages\": " + messages + fields
                + ", \"max_tokens\": 4, \"temperature\": 0}");
        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode overHttp = JSON.readTree(answer.body()).get("choices").get(0);
        var request = InferenceRequest.newBuilder().setRequestId("chat-kafka-continue").setModel("tiny-qwen2")
                .setMessages(List.of(dev.invariant.schemas.ChatMessage.newBuilder().setRole("user")
                        .setContent("Write a haiku about rain.").build(), dev.invariant.schemas.ChatMessage.newBuilder()
                        .setRole("assistant").setContent("Soft rain on the roof").build()))
                .setAddGenerationPrompt(false).setContinueFinalMessage(true)
                .setChatTemplateKwargs("{\"enable_thinking\": false}")
                .setSampling(Sampling.newBuilder().setMaxTokens(4).build()).build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            send(clients, request);
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("chat-kafka-continue"), 1, WAIT).getFirst();
            assertNull(c.getError());
            assertArrayEquals(expected, ints(c.getPromptTokenIds()));
            assertEquals(overHttp.get("output_hash").asText(), c.getOutputHash());
            assertEquals(overHttp.get("fingerprint").asText(), c.getFingerprint());
        }
        // both true is a 400 naming the field, as vLLM refuses it
        var both = post("{\"model\": \"tiny-qwen2\", \"messages\": " + messages + ", \"continue_final_message\": true}");
        assertEquals(400, both.statusCode(), both.body());
        assertEquals("continue_final_message", JSON.readTree(both.body()).get("error").get("param").asText());
    }

    @Test
    void aChatMessageWithAnUnknownRoleThroughKafkaGetsAnErrorCompletion() {
        var request = InferenceRequest.newBuilder().setRequestId("chat-kafka-bad-role").setModel("tiny-qwen2")
                .setMessages(List.of(dev.invariant.schemas.ChatMessage.newBuilder().setRole("wizard")
                        .setContent("Cast a spell.").build()))
                .setSampling(Sampling.newBuilder().setMaxTokens(4).build()).build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            send(clients, request);
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("chat-kafka-bad-role"), 1, WAIT)
                    .getFirst();
            assertNotNull(c.getError(), "an error completion, not an answer to a prompt without the message");
            assertEquals("INVALID_PARAM", c.getError().getCode());
            assertTrue(c.getError().getMessage().contains("wizard"), c.getError().getMessage());
        }
    }

    @Test
    void messageTextThatLooksLikeTemplateCodeReachesTheModelAsText() throws Exception {
        // transformers' rendering of the golden system + user chat, with the user's text replaced literally
        GoldenChat golden = goldenSystemUserChat();
        String injected = "{{ messages }} {{ 7 * 7 }} {% raw %} {# not a comment #}";
        String rendered = goldenRendering(golden).replace(golden.messages().get(1).content(), injected);
        int[] expected;
        try (var t = Tokenizer.load(SharedModels.shared().resolve("models/qwen2-tokenizer"))) {
            expected = t.encodeNoSpecial(rendered);
        }
        var messages = JSON.createArrayNode().add(golden.json().get(0))
                .add(JSON.createObjectNode().put("role", "user").put("content", injected));
        var response = post("""
                {"model": "tiny-qwen2", "messages": %s, "max_tokens": 1, "temperature": 0}
                """.formatted(messages));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        assertEquals(expected.length, body.get("usage").get("prompt_tokens").asInt(), rendered);
        String id = body.get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            Completion c = completions.awaitCount(x -> x.getRequestId().equals(id), 1, WAIT).getFirst();
            assertArrayEquals(expected, ints(c.getPromptTokenIds()), "the prompt the model saw: " + rendered);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no messages         | {\"model\": \"tiny-qwen2\"}                                              | EMPTY_PROMPT",
            "empty messages      | {\"model\": \"tiny-qwen2\", \"messages\": []}                            | EMPTY_PROMPT",
            "unknown role        | {\"messages\": [{\"role\": \"wizard\", \"content\": \"Cast a spell.\"}]} | INVALID_PARAM",
            "no role             | {\"messages\": [{\"content\": \"Hello\"}]}                               | INVALID_PARAM",
            "no content          | {\"messages\": [{\"role\": \"user\"}]}                                   | INVALID_PARAM",
            "null content        | {\"messages\": [{\"role\": \"user\", \"content\": null}]}                | INVALID_PARAM",
            "message not object  | {\"messages\": [\"Hello\"]}                                              | INVALID_PARAM"})
    void badChatInputIsA400InOpenAisShape(String what, String body, String code) throws Exception {
        var response = post(body);
        assertEquals(400, response.statusCode(), what + ": " + response.body());
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertNotNull(error, "OpenAI's error shape: " + response.body());
        assertEquals(code, error.get("code").asText());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertFalse(error.get("message").asText().isBlank());
    }

    private GenerationResult direct(GoldenChat chat) {
        try (Engine e = Engine.open(WorkerFixture.qwenEngineConfig())) {
            return e.generateAll(List.of(new Request("direct", new Prompt.Chat(chat.messages()),
                    SamplingParams.builder().maxTokens(MAX_TOKENS).seed(SEED).build())), (f, t, k) -> { }).getFirst();
        }
    }

    private static String chatBody(GoldenChat chat, String extra) {
        return """
                {"model": "tiny-qwen2", "messages": %s, "max_tokens": %d, "temperature": 0, "seed": %d%s}
                """.formatted(chat.json(), MAX_TOKENS, SEED, extra);
    }

    /** The one system + user case of the Qwen tokenizer's golden chat-template renderings. */
    private static GoldenChat goldenSystemUserChat() {
        JsonNode cases;
        try {
            cases = JSON.readTree(SharedModels.shared().resolve("models/qwen2-tokenizer/tokenizer-golden.json")
                    .toFile()).get("chat_template_cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (JsonNode c : cases) {
            JsonNode m = c.get("messages");
            if (m.size() == 2 && m.get(0).get("role").asText().equals("system")
                    && m.get(1).get("role").asText().equals("user")) {
                var messages = new ArrayList<ChatMessage>();
                for (JsonNode x : m) messages.add(new ChatMessage(x.get("role").asText(), x.get("content").asText()));
                int[] ids = new int[c.get("ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = c.get("ids").get(i).asInt();
                return new GoldenChat(List.copyOf(messages), ids, m);
            }
        }
        throw new IllegalStateException("tokenizer-golden.json has no system + user chat case");
    }

    /** transformers' rendered text of the golden chat (tokenizer-golden.json's "rendered"). */
    private static String goldenRendering(GoldenChat chat) throws IOException {
        JsonNode cases = JSON.readTree(SharedModels.shared().resolve("models/qwen2-tokenizer/tokenizer-golden.json")
                .toFile()).get("chat_template_cases");
        for (JsonNode c : cases) {
            if (c.get("messages").equals(chat.json())) return c.get("rendered").asText();
        }
        throw new IllegalStateException("the golden chat has no rendering");
    }

    private static void send(Clients clients, InferenceRequest r) {
        String topic = WorkerFixture.QWEN_REQUESTS;
        clients.send(new ProducerRecord<>(topic, Clients.key(r.getRequestId()), clients.encode(topic, r)));
    }

    private static int[] ints(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    private HttpResponse<String> post(String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, qwen.http("/v1/chat/completions"), json);
    }
}
