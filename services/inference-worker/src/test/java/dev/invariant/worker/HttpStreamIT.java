package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.invariant.schemas.Completion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Streamed answers with several choices over real HTTP (n samples, beams, several prompts; completions and chat):
 * each choice reassembled from its chunks by {@code index} is the non-streamed answer's choice, bit for bit (text,
 * log-probabilities, finish reason, fingerprint, output hash, cumulative log-probability), and so is the usage.
 */
class HttpStreamIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Max had a red ball. He";
    private static final String STREAM = ", \"stream\": true, \"stream_options\": {\"include_usage\": true}";

    private final WorkerFixture fixture = WorkerFixture.get();
    private final HttpClient http = HttpClient.newHttpClient();

    /** One choice as its chunks carry it. */
    private static final class Choice {
        final StringBuilder text = new StringBuilder();
        final ArrayNode logprobs = JSON.createArrayNode();
        int firstChunk = -1;
        /** The chunk with the finish reason; nothing may follow it. */
        JsonNode last;
        int lastChunk;
        String role;
        /** With return_token_ids: the chunks' token ids in order, the prompt's ids and how many chunks carried them. */
        final List<Integer> tokenIds = new ArrayList<>();
        JsonNode promptIds;
        int promptIdChunks;
    }

    /** A streamed answer: its choices by index, its usage chunk (null without one). */
    private record Streamed(TreeMap<Integer, Choice> choices, JsonNode usage) {
        /** The chunk number of the first finish: every choice ending at once at the end would be no stream. */
        int firstFinish() {
            return choices.values().stream().mapToInt(c -> c.lastChunk).min().orElseThrow();
        }
    }

    @Test
    void nSamplesStreamEachChoiceAsItsTokensComeAndAddUpToTheWholeAnswer() throws Exception {
        String body = "{\"prompt\": \"%s\", \"max_tokens\": 16, \"temperature\": 0.9, \"seed\": 11, \"n\": 2,"
                + " \"logprobs\": 2%s}";
        JsonNode whole = whole(fixture.http("/v1/completions"), body.formatted(PROMPT, ""));
        Streamed s = stream(fixture.http("/v1/completions"), body.formatted(PROMPT, STREAM), false);
        assertSameAnswer(whole, s, false);
        assertNotEquals(whole.get("choices").get(0).get("output_hash"), whole.get("choices").get(1).get("output_hash"),
                "two samples, seeds 11 and 12");
        for (Choice c : s.choices.values()) {
            assertTrue(c.firstChunk < s.firstFinish(), "each choice streams before any has finished");
        }
    }

    @Test
    void chatNSamplesStreamEachChoiceWithItsRole() throws Exception {
        WorkerProcess qwen = fixture.qwen();
        String body = "{\"model\": \"tiny-qwen2\", \"messages\": [{\"role\": \"user\", \"content\": \"Say hi.\"}],"
                + " \"max_tokens\": 10, \"temperature\": 0.9, \"seed\": 5, \"n\": 2, \"logprobs\": true,"
                + " \"top_logprobs\": 1%s}";
        JsonNode whole = whole(qwen.http("/v1/chat/completions"), body.formatted(""));
        Streamed s = stream(qwen.http("/v1/chat/completions"), body.formatted(STREAM), true);
        assertSameAnswer(whole, s, true);
        for (Choice c : s.choices.values()) assertEquals("assistant", c.role, "each choice's first chunk");
    }

    @Test
    void beamsStreamWholeAtTheEndBestFirst() throws Exception {
        String body = "{\"prompt\": \"%s\", \"max_tokens\": 12, \"n\": 2, \"best_of\": 3, \"use_beam_search\": true,"
                + " \"early_stopping\": \"never\", \"logprobs\": 1%s}";
        JsonNode whole = whole(fixture.http("/v1/completions"), body.formatted(PROMPT, ""));
        Streamed s = stream(fixture.http("/v1/completions"), body.formatted(PROMPT, STREAM), false);
        assertSameAnswer(whole, s, false);
        for (int i = 0; i < 2; i++) {
            Choice c = s.choices.get(i);
            assertEquals(i, c.firstChunk, "beam " + i + " is chunk " + i);
            assertEquals(c.firstChunk, c.lastChunk, "a beam comes as one chunk");
            assertTrue(c.last.get("cumulative_logprob").isNumber());
        }
    }

    @Test
    void severalPromptsStreamInterleavedAtPTimesNPlusJAndArePublishedEach() throws Exception {
        String[] prompts = {PROMPT, "The sun was"};
        String body = "{\"prompt\": [\"%s\", \"%s\"], \"max_tokens\": 8, \"temperature\": 0.9, \"seed\": 3, \"n\": 2,"
                + " \"echo\": true%s}";
        JsonNode whole = whole(fixture.http("/v1/completions"), body.formatted(prompts[0], prompts[1], ""));
        var response = post(fixture.http("/v1/completions"), body.formatted(prompts[0], prompts[1], STREAM));
        Streamed s = parse(response, false);
        assertSameAnswer(whole, s, false);
        for (int i = 0; i < 4; i++) {
            assertTrue(s.choices.get(i).text.toString().startsWith(prompts[i / 2]),
                    "choice " + i + " echoes its prompt");
            assertTrue(s.choices.get(i).firstChunk < s.firstFinish(), "choice " + i + " streams before any finish");
        }
        String id = JSON.readTree(response.body().lines().filter(l -> l.startsWith("data:")).findFirst()
                .orElseThrow().substring(5)).get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (int p = 0; p < 2; p++) {
                String rid = id + "-" + p;
                Completion c = completions.awaitCount(x -> x.getRequestId().equals(rid), 1, Duration.ofMinutes(1))
                        .getFirst();
                assertNull(c.getError());
                assertEquals(s.choices.get(p * 2).last.get("output_hash").asText(), c.getOutputHash());
                assertEquals(s.choices.get(p * 2 + 1).last.get("output_hash").asText(),
                        c.getOutputs().get(1).getOutputHash());
            }
        }
    }

    @Test
    void returnTokenIdsGivesThePromptsAndEachChoicesIdsWholeOrStreamed() throws Exception {
        String prompt = "{\"prompt\": \"" + PROMPT + "\"";
        String chatPrompt = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + PROMPT + "\"}]";
        for (boolean chat : List.of(false, true)) {
            URI uri = chat ? fixture.qwen().http("/v1/chat/completions") : fixture.http("/v1/completions");
            for (String kind : List.of(", \"n\": 2, \"temperature\": 0.9, \"seed\": 3",
                    ", \"n\": 2, \"use_beam_search\": true, \"temperature\": 0")) {
                String body = (chat ? chatPrompt : prompt) + ", \"max_tokens\": 12" + kind;
                JsonNode whole = whole(uri, body + ", \"return_token_ids\": true}");
                assertSameAnswer(whole, stream(uri, body + ", \"return_token_ids\": true" + STREAM + "}", chat), chat);
                JsonNode choice = whole.get("choices").get(0);
                JsonNode promptIds = chat ? whole.get("prompt_token_ids") : choice.get("prompt_token_ids");
                assertEquals(whole.get("usage").get("prompt_tokens").asInt(), promptIds.size(), body);
                Completion published = Clients.published(whole.get("id").asText());
                assertEquals(published.getTokenIds(), JSON.convertValue(choice.get("token_ids"),
                        new com.fasterxml.jackson.core.type.TypeReference<List<Integer>>() { }), "the ids the output hash is of");
                for (JsonNode c : whole.get("choices")) {
                    assertEquals(c.get("output_hash").asText(), outputHash(c.get("token_ids")), "a client recomputes"
                            + " the output hash from the ids (docs/identity.md)");
                }
                JsonNode plain = whole(uri, body + "}");
                assertNull(plain.get("prompt_token_ids"));
                assertNull(plain.get("choices").get(0).get("token_ids"));
                assertNull(plain.get("choices").get(0).get("prompt_token_ids"));
            }
        }
    }

    @Test
    void returnTokensAsTokenIdsNamesEachLoggedTokenByItsId() throws Exception {
        String ask = ", \"max_tokens\": 6, \"return_token_ids\": true, \"return_tokens_as_token_ids\": true}";
        JsonNode c = whole(fixture.http("/v1/completions"), "{\"prompt\": \"" + PROMPT + "\", \"logprobs\": 2" + ask)
                .get("choices").get(0);
        List<String> named = new ArrayList<>();
        c.get("token_ids").forEach(id -> named.add("token_id:" + id.asInt()));
        assertEquals(JSON.valueToTree(named), c.get("logprobs").get("tokens"));
        c.get("logprobs").get("top_logprobs").forEach(top -> top.fieldNames()
                .forEachRemaining(k -> assertTrue(k.startsWith("token_id:"), k)));
        JsonNode chat = whole(fixture.qwen().http("/v1/chat/completions"), "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"Hi\"}], \"logprobs\": true, \"top_logprobs\": 2" + ask).get("choices").get(0);
        JsonNode content = chat.get("logprobs").get("content");
        for (int i = 0; i < content.size(); i++) {
            assertEquals("token_id:" + chat.get("token_ids").get(i).asInt(), content.get(i).get("token").asText());
            content.get(i).get("top_logprobs").forEach(t -> assertTrue(t.get("token").asText().startsWith("token_id:")));
        }
    }

    @Test
    void continuousUsageStatsGiveEveryChunkItsChoicesUsageSoFar() throws Exception {
        String body = "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 10, \"n\": 2, \"temperature\": 0.9, \"seed\": 5,"
                + " \"return_token_ids\": true, \"stream\": true, \"stream_options\": {\"include_usage\": true,"
                + " \"continuous_usage_stats\": true}}";
        var r = post(fixture.http("/v1/completions"), body);
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> chunks = new ArrayList<>();
        for (String l : r.body().lines().filter(l -> l.startsWith("data: {")).toList()) chunks.add(JSON.readTree(l.substring(6)));
        JsonNode total = chunks.getLast().get("usage");
        int[] sofar = new int[2];
        int[] ids = new int[2];
        for (JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
            JsonNode c = chunk.get("choices").get(0);
            int i = c.get("index").asInt();
            ids[i] += c.get("token_ids").size();
            JsonNode usage = chunk.get("usage");
            assertEquals(total.get("prompt_tokens").asInt(), usage.get("prompt_tokens").asInt(), chunk.toString());
            assertEquals(ids[i], usage.get("completion_tokens").asInt(), "the tokens of choice " + i + " so far");
            assertTrue(usage.get("completion_tokens").asInt() >= sofar[i]);
            sofar[i] = usage.get("completion_tokens").asInt();
        }
        assertEquals(total.get("completion_tokens").asInt(), sofar[0] + sofar[1], "the last chunks count every token");
    }

    @Test
    void aPartTheEngineRefusesBeforeAnyTokenIsAnHttpError() throws Exception {
        String tooLong = "Once upon a time ".repeat(200);
        for (String body : List.of(
                "{\"prompt\": [\"" + PROMPT + "\", \"" + tooLong + "\"], \"max_tokens\": 8, \"stream\": true}",
                "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 600, \"n\": 2, \"stream\": true}",
                "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 600, \"n\": 2, \"use_beam_search\": true,"
                        + " \"stream\": true}")) {
            var r = post(fixture.http("/v1/completions"), body);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("PROMPT_TOO_LONG", JSON.readTree(r.body()).get("error").get("code").asText(), r.body());
        }
    }

    /** SHA-256 of the ids as 4-byte big-endian ints, as docs/identity.md defines the output hash. */
    private static String outputHash(JsonNode ids) throws Exception {
        var sha = java.security.MessageDigest.getInstance("SHA-256");
        for (JsonNode id : ids) sha.update(java.nio.ByteBuffer.allocate(4).putInt(id.asInt()).array());
        return java.util.HexFormat.of().formatHex(sha.digest());
    }

    /** Each choice of the whole answer is the streamed choice of its index; the usage chunk is the whole usage. */
    private static void assertSameAnswer(JsonNode whole, Streamed s, boolean chat) {
        JsonNode choices = whole.get("choices");
        assertEquals(choices.size(), s.choices.size(), "one streamed choice per choice");
        for (JsonNode w : choices) {
            int i = w.get("index").asInt();
            Choice c = s.choices.get(i);
            assertNotNull(c, "choice " + i + " streamed");
            String text = chat ? w.get("message").get("content").asText() : w.get("text").asText();
            assertEquals(text, c.text.toString(), "choice " + i + "'s text");
            for (String field : List.of("finish_reason", "fingerprint", "output_hash", "cumulative_logprob")) {
                assertEquals(w.get(field), c.last.get(field), "choice " + i + "'s " + field);
            }
            if (!w.get("logprobs").isNull()) {
                assertEquals(chat ? w.get("logprobs").get("content") : w.get("logprobs").get("token_logprobs"),
                        c.logprobs, "choice " + i + "'s log-probabilities, bit for bit");
            }
            if (w.has("token_ids")) {
                assertEquals(w.get("token_ids"), JSON.valueToTree(c.tokenIds), "choice " + i + "'s token ids");
                assertEquals(chat ? whole.get("prompt_token_ids") : w.get("prompt_token_ids"), c.promptIds);
                assertEquals(1, c.promptIdChunks, "the prompt's ids come in the choice's first chunk only");
            }
        }
        assertEquals(whole.get("usage"), s.usage, "the usage chunk sums every choice");
    }

    private JsonNode whole(URI uri, String body) throws Exception {
        var r = post(uri, body);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private Streamed stream(URI uri, String body, boolean chat) throws Exception {
        return parse(post(uri, body), chat);
    }

    /** The chunks of a stream by choice, checking OpenAI's framing on the way. */
    private static Streamed parse(HttpResponse<String> r, boolean chat) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = r.body().lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim())
                .toList();
        assertEquals("[DONE]", events.getLast(), r.body());
        assertEquals(1, events.stream().filter("[DONE]"::equals).count(), "one [DONE]");
        var choices = new TreeMap<Integer, Choice>();
        JsonNode usage = null;
        List<JsonNode> chunks = new ArrayList<>();
        for (String e : events.subList(0, events.size() - 1)) chunks.add(JSON.readTree(e));
        for (int k = 0; k < chunks.size(); k++) {
            JsonNode chunk = chunks.get(k);
            assertNull(chunk.get("error"), chunk.toString());
            if (chunk.get("choices").isEmpty()) {
                assertEquals(chunks.size() - 1, k, "the usage chunk comes last");
                usage = chunk.get("usage");
                continue;
            }
            assertEquals(1, chunk.get("choices").size(), "one choice per chunk");
            JsonNode c = chunk.get("choices").get(0);
            Choice choice = choices.computeIfAbsent(c.get("index").asInt(), i -> new Choice());
            assertNull(choice.last, "nothing follows a choice's finish: " + chunk);
            if (choice.firstChunk < 0) choice.firstChunk = k;
            if (chat) {
                JsonNode delta = c.get("delta");
                if (delta.has("role")) {
                    assertEquals(k, choice.firstChunk, "the role comes in the choice's first chunk only");
                    choice.role = delta.get("role").asText();
                }
                choice.text.append(delta.get("content").asText());
                if (!c.get("logprobs").isNull()) choice.logprobs.addAll((ArrayNode) c.get("logprobs").get("content"));
            } else {
                choice.text.append(c.get("text").asText());
                if (!c.get("logprobs").isNull()) {
                    choice.logprobs.addAll((ArrayNode) c.get("logprobs").get("token_logprobs"));
                }
            }
            if (c.has("token_ids")) c.get("token_ids").forEach(id -> choice.tokenIds.add(id.asInt()));
            JsonNode promptIds = chat ? chunk.get("prompt_token_ids") : c.get("prompt_token_ids");
            if (promptIds != null) {
                choice.promptIds = promptIds;
                choice.promptIdChunks++;
            }
            if (!c.get("finish_reason").isNull()) {
                choice.last = c;
                choice.lastChunk = k;
            }
        }
        for (var e : choices.entrySet()) assertNotNull(e.getValue().last, "choice " + e.getKey() + " finished");
        return new Streamed(choices, usage);
    }

    private HttpResponse<String> post(URI uri, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, uri, json);
    }
}
