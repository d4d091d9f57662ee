package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The prompt's log-probabilities over real HTTP: OpenAI's legacy {@code echo} with {@code logprobs}, echo with
 * {@code max_tokens} 0, vLLM's {@code prompt_logprobs} (completions and chat), and the batch lm-evaluation-harness
 * sends. The oracle is the generated-token path: a prompt token's log-probability is the one the same model gives
 * that token when it is asked to generate at that position.
 */
class HttpPromptLogprobsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTEXT = "Max had a red ball. He";
    private static final int CONTINUATION = 6;
    /** The context's ids (BOS first), then its greedy continuation: positions whose token is the greedy one. */
    private static int[] ids;
    private static int ctxlen;
    /** The second most likely token after the context: a continuation that is not greedy. */
    private static int second;

    private final WorkerFixture fixture = WorkerFixture.get();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void greedyContinuation() {
        try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
            GenerationResult g = e.generateAll(List.of(new Request("direct", new Prompt.Text(CONTEXT),
                    SamplingParams.builder().maxTokens(CONTINUATION).ignoreEos(true).build(), 0L, 2)),
                    (f, t, k) -> { }).getFirst();
            ctxlen = g.promptTokenIds().length;
            ids = IntStream.concat(Arrays.stream(g.promptTokenIds()), Arrays.stream(g.tokenIds())).toArray();
            second = g.logprobs().getFirst().top().get(1).tokenId();
        }
    }

    @Test
    void echoedPromptLogprobsAreTheGeneratedTokensBitForBit() throws Exception {
        JsonNode echo = ok(completion(ids, 1).put("echo", true).put("logprobs", 20)).get("choices").get(0);
        JsonNode lp = echo.get("logprobs");
        assertEquals(ids.length + 1, lp.get("tokens").size(), "the prompt's tokens, then the generated one");
        assertTrue(lp.get("token_logprobs").get(0).isNull() && lp.get("top_logprobs").get(0).isNull());
        assertEquals(0, lp.get("text_offset").get(0).asInt());
        int greedySeen = 0;
        for (int j = 1; j < ids.length; j++) {
            // The oracle: the prompt cut before token j, asked for one greedy token with its 20 alternatives.
            JsonNode cut = ok(completion(Arrays.copyOf(ids, j), 1).put("logprobs", 20)).get("choices").get(0)
                    .get("logprobs");
            JsonNode alternatives = cut.get("top_logprobs").get(0);
            JsonNode echoed = lp.get("top_logprobs").get(j);
            String token = lp.get("tokens").get(j).asText();
            for (var a : alternatives.properties()) {
                assertEquals(a.getValue(), echoed.get(a.getKey()), "position " + j + ": alternative '" + a.getKey() + "'");
            }
            if (alternatives.has(token)) {
                assertEquals(alternatives.get(token), lp.get("token_logprobs").get(j), "position " + j);
                assertEquals(alternatives.size(), echoed.size(), "position " + j + ": its token is one of the 20");
            }
            if (j >= ctxlen) {
                assertEquals(token, cut.get("tokens").get(0).asText(), "position " + j + " holds the greedy token");
                assertEquals(cut.get("token_logprobs").get(0), lp.get("token_logprobs").get(j), "position " + j);
                greedySeen++;
            }
        }
        assertEquals(CONTINUATION, greedySeen);
        for (int i = 1; i < lp.get("tokens").size(); i++) {
            assertEquals(lp.get("text_offset").get(i - 1).asInt() + lp.get("tokens").get(i - 1).asText().length(),
                    lp.get("text_offset").get(i).asInt(), "offsets count the listed tokens' texts");
        }
    }

    @Test
    void echoWithMaxTokensZeroAnswersThePromptAlone() throws Exception {
        JsonNode one = ok(completion(ids, 1).put("echo", true).put("logprobs", 2));
        String generated = ok(completion(ids, 1)).get("choices").get(0).get("text").asText();
        JsonNode root = ok(completion(ids, 0).put("echo", true).put("logprobs", 2));
        JsonNode c = root.get("choices").get(0);
        assertEquals(one.get("choices").get(0).get("text").asText(), c.get("text").asText() + generated,
                "the echoed prompt alone");
        assertEquals("length", c.get("finish_reason").asText());
        assertEquals(0, root.get("usage").get("completion_tokens").asInt());
        assertEquals(ids.length, root.get("usage").get("prompt_tokens").asInt());
        for (String field : List.of("tokens", "token_logprobs", "top_logprobs", "text_offset")) {
            ArrayNode withToken = (ArrayNode) one.get("choices").get(0).get("logprobs").get(field).deepCopy();
            withToken.remove(ids.length);
            assertEquals(withToken, c.get("logprobs").get(field), field + ": the prompt's, without the token");
        }
        // The engine ran max_tokens 1: the completions topic has that run, whose hash the choice names.
        try (var clients = new Clients(); var completions = clients.completions()) {
            String id = root.get("id").asText();
            Completion published = completions.awaitCount(x -> x.getRequestId().equals(id), 1, Duration.ofMinutes(1))
                    .getFirst();
            assertEquals(1, published.getTokenIds().size());
            assertEquals(c.get("output_hash").asText(), published.getOutputHash());
        }
        // Streamed: the echo, then a last chunk without text.
        List<JsonNode> chunks = events(post(fixture.http("/v1/completions"),
                completion(ids, 0).put("echo", true).put("stream", true)));
        assertEquals(2, chunks.size(), chunks.toString());
        assertEquals(c.get("text"), chunks.get(0).get("choices").get(0).get("text"));
        assertEquals("", chunks.get(1).get("choices").get(0).get("text").asText());
        assertEquals("length", chunks.get(1).get("choices").get(0).get("finish_reason").asText());
        // Without echo, max_tokens 0 keeps its meaning: as many tokens as the context (512) holds.
        assertEquals(512 - ids.length, ok(completion(ids, 0).put("ignore_eos", true)).get("usage")
                .get("completion_tokens").asInt());
    }

    @Test
    void vllmPromptLogprobsOnCompletionsAreEachPromptsOwn() throws Exception {
        JsonNode echo = ok(completion(ids, 1).put("echo", true).put("logprobs", 3)).get("choices").get(0)
                .get("logprobs");
        int[] shorter = Arrays.copyOf(ids, ctxlen);
        ObjectNode body = completion(ids, 1).put("prompt_logprobs", 3);
        ArrayNode both = body.putArray("prompt");
        ints(both.addArray(), ids);
        ints(both.addArray(), shorter);
        JsonNode choices = ok(body).get("choices");
        for (int p = 0; p < 2; p++) {
            JsonNode list = choices.get(p).get("prompt_logprobs");
            assertEquals(p == 0 ? ids.length : ctxlen, list.size(), "prompt " + p + "'s own");
            assertTrue(list.get(0).isNull());
            for (int j = 1; j < list.size(); j++) {
                JsonNode entry = list.get(j);
                JsonNode self = entry.get(Integer.toString(ids[j]));
                assertEquals(echo.get("token_logprobs").get(j), self.get("logprob"), "position " + j);
                assertEquals(echo.get("tokens").get(j), self.get("decoded_token"));
                double[] byRank = new double[3];
                int ranked = 0;
                for (var e : entry.properties()) {
                    JsonNode v = e.getValue();
                    assertEquals(v.get("logprob"), echo.get("top_logprobs").get(j).get(v.get("decoded_token").asText()));
                    if (v.has("rank")) {
                        byRank[v.get("rank").asInt() - 1] = v.get("logprob").asDouble();
                        ranked++;
                    }
                }
                assertEquals(3, ranked, "three alternatives, ranked 1 to 3");
                assertTrue(byRank[0] >= byRank[1] && byRank[1] >= byRank[2], Arrays.toString(byRank));
                assertEquals(self.has("rank") ? 3 : 4, entry.size(), "the token and its alternatives, once each");
            }
        }
        assertTrue(choices.get(0).get("logprobs").isNull(), "prompt_logprobs alone adds no logprobs");
    }

    @Test
    void vllmPromptLogprobsOnChatAreAtTheTopLevel() throws Exception {
        WorkerProcess qwen = fixture.qwen();
        ObjectNode body = JSON.createObjectNode().put("max_tokens", 2).put("temperature", 0).put("prompt_logprobs", 2);
        body.putArray("messages").addObject().put("role", "user").put("content", "Say hi.");
        var r = post(qwen.http("/v1/chat/completions"), body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode root = JSON.readTree(r.body());
        JsonNode list = root.get("prompt_logprobs");
        assertEquals(root.get("usage").get("prompt_tokens").asInt(), list.size());
        assertTrue(list.get(0).isNull());
        for (int j = 1; j < list.size(); j++) assertTrue(list.get(j).size() >= 2 && list.get(j).size() <= 3);
        assertFalse(root.get("choices").get(0).has("prompt_logprobs"));
    }

    /** lm-evaluation-harness's local-completions loglikelihood: its request, and its reading of the answer. */
    @Test
    void lmEvaluationHarnessBatchesScoreEachContinuation() throws Exception {
        int[] notGreedy = Arrays.copyOf(ids, ctxlen + 1);
        notGreedy[ctxlen] = second;
        int[][] prompts = {ids, notGreedy};
        // The oracle: each continuation token's log-probability when generated at its position.
        double[] expected = new double[2];
        boolean[] greedy = {true, true};
        for (int p = 0; p < 2; p++) {
            for (int j = ctxlen; j < prompts[p].length; j++) {
                JsonNode cut = ok(completion(Arrays.copyOf(prompts[p], j), 1).put("logprobs", 20)).get("choices")
                        .get(0).get("logprobs");
                String token = tokenText(prompts[p][j]);
                JsonNode value = cut.get("top_logprobs").get(0).get(token);
                expected[p] += value.asDouble();
                greedy[p] &= value.asDouble() == cut.get("token_logprobs").get(0).asDouble();
            }
        }
        assertTrue(greedy[0]);
        for (int maxTokens : new int[] {1, 0}) {
            ObjectNode body = completion(ids, maxTokens).put("echo", true).put("logprobs", 1).put("seed", 1234);
            ArrayNode batch = body.putArray("prompt");
            ints(batch.addArray(), prompts[0]);
            ints(batch.addArray(), prompts[1]);
            JsonNode choices = ok(body).get("choices");
            for (int p = 0; p < 2; p++) {
                JsonNode c = choices.get(p);
                assertEquals(p, c.get("index").asInt());
                // lm-eval drops the generated token ([ctxlen:-1]); with max_tokens 0 there is none to drop.
                int end = c.get("logprobs").get("token_logprobs").size() - maxTokens;
                assertEquals(prompts[p].length, end);
                double sum = 0;
                boolean isGreedy = true;
                for (int j = ctxlen; j < end; j++) {
                    double token = c.get("logprobs").get("token_logprobs").get(j).asDouble();
                    sum += token;
                    double max = Double.NEGATIVE_INFINITY;
                    for (JsonNode v : c.get("logprobs").get("top_logprobs").get(j)) max = Math.max(max, v.asDouble());
                    isGreedy &= token == max;
                }
                assertEquals(expected[p], sum, "prompt " + p + ", max_tokens " + maxTokens);
                assertEquals(greedy[p], isGreedy, "prompt " + p + ", max_tokens " + maxTokens);
            }
        }
    }

    @Test
    void logprobsStreamedWithOrWithoutEchoPutBackTheWholeAnswer() throws Exception {
        ObjectNode sampled = completion(ids, 6).put("echo", true).put("logprobs", 2).put("temperature", 0.9)
                .put("seed", 7).put("n", 2);
        ints(sampled.putArray("prompt").addArray(), ids);
        ints(((ArrayNode) sampled.get("prompt")).addArray(), Arrays.copyOf(ids, ctxlen));
        ObjectNode beams = completion(ids, 4).put("echo", true).put("logprobs", 1).put("use_beam_search", true)
                .put("n", 2);
        for (ObjectNode body : List.of(completion(ids, 6).put("echo", true).put("logprobs", 3), sampled, beams,
                completion(ids, 0).put("echo", true).put("logprobs", 1), completion(ids, 6).put("logprobs", 2))) {
            JsonNode whole = ok(body).get("choices");
            List<JsonNode> chunks = events(post(fixture.http("/v1/completions"), body.deepCopy().put("stream", true)));
            for (JsonNode w : whole) {
                int index = w.get("index").asInt();
                StringBuilder text = new StringBuilder();
                ObjectNode lps = JSON.createObjectNode();
                JsonNode last = null;
                for (JsonNode chunk : chunks) {
                    JsonNode c = chunk.get("choices").get(0);
                    if (c.get("index").asInt() != index) continue;
                    text.append(c.get("text").asText());
                    for (String field : List.of("tokens", "token_logprobs", "top_logprobs", "text_offset")) {
                        (lps.has(field) ? (ArrayNode) lps.get(field) : lps.putArray(field))
                                .addAll((ArrayNode) c.get("logprobs").get(field));
                    }
                    last = c;
                }
                String what = body + ", choice " + index;
                assertEquals(w.get("text").asText(), text.toString(), what);
                assertEquals(w.get("logprobs"), lps, what);
                assertEquals(w.get("output_hash"), last.get("output_hash"), what);
                assertEquals(w.get("finish_reason"), last.get("finish_reason"), what);
            }
        }
    }

    @Test
    void refusalsNameTheirParameter() throws Exception {
        assertError(completion(ids, 1).put("prompt_logprobs", 1).put("stream", true), "prompt_logprobs");
        assertError(completion(ids, 1).put("prompt_logprobs", 21), "prompt_logprobs");
        assertError(completion(ids, 1).put("prompt_logprobs", -2).put("echo", true).put("logprobs", 1),
                "prompt_logprobs");
        assertError(completion(ids, 1).put("prompt_logprobs", "3"), "prompt_logprobs");
        assertError(completion(ids, 1).put("echo", true).put("logprobs", 21), "logprobs");
    }

    /** A token's text as the answers list it: the first token of an echoed one-token prompt. */
    private String tokenText(int id) throws Exception {
        ObjectNode body = completion(new int[] {id}, 1).put("echo", true).put("logprobs", 0);
        return ok(body).get("choices").get(0).get("logprobs").get("tokens").get(0).asText();
    }

    private static ObjectNode completion(int[] prompt, int maxTokens) {
        ObjectNode body = JSON.createObjectNode().put("model", "stories260K").put("max_tokens", maxTokens)
                .put("temperature", 0);
        ints(body.putArray("prompt"), prompt);
        return body;
    }

    private static void ints(ArrayNode array, int[] values) {
        for (int v : values) array.add(v);
    }

    private JsonNode ok(ObjectNode body) throws Exception {
        var r = post(fixture.http("/v1/completions"), body);
        assertEquals(200, r.statusCode(), body + " -> " + r.body());
        return JSON.readTree(r.body());
    }

    private void assertError(ObjectNode body, String param) throws Exception {
        HttpCalls.assertInvalidParam(post(fixture.http("/v1/completions"), body), param);
    }

    /** The stream's chunks before {@code [DONE]}. */
    private static List<JsonNode> events(HttpResponse<String> r) throws IOException {
        assertEquals(200, r.statusCode(), r.body());
        List<String> data = r.body().lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim()).toList();
        assertEquals("[DONE]", data.getLast());
        List<JsonNode> chunks = new java.util.ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) chunks.add(JSON.readTree(d));
        return chunks;
    }

    private HttpResponse<String> post(URI uri, ObjectNode body) throws IOException, InterruptedException {
        return HttpCalls.post(http, uri, body.toString());
    }
}
