package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible API, health and metrics, over real HTTP. */
class HttpApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Max had a red ball. He";

    private final WorkerFixture fixture = WorkerFixture.get();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void completionsCarryTheEnginesFingerprintAndHashAndArePublished() throws Exception {
        var response = post("/v1/completions", """
                {"model": "stories260K", "prompt": "%s", "max_tokens": 20, "temperature": 0, "seed": 7}
                """.formatted(PROMPT));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode body = JSON.readTree(response.body());
        JsonNode choice = body.get("choices").get(0);

        GenerationResult direct;
        String system;
        try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
            direct = e.generateAll(List.of(new Request("direct", new Prompt.Text(PROMPT),
                    SamplingParams.builder().maxTokens(20).seed(7L).build())), (f, t, k) -> { }).getFirst();
            system = dev.invariant.worker.engine.EngineService.systemFingerprint(e);
        }
        // The part of the fingerprint the engine fixes (weights, model configuration, tokenizer, profile/contract
        // version), not a constant.
        assertEquals(system, body.get("system_fingerprint").asText());
        assertTrue(system.matches("invariant:portable/2:[0-9a-f]{12}"), system);
        assertEquals(direct.fingerprint(), choice.get("fingerprint").asText());
        assertEquals(direct.outputHash(), choice.get("output_hash").asText());
        assertEquals(direct.text(), choice.get("text").asText());
        assertEquals(direct.finishReason().wireName(), choice.get("finish_reason").asText());
        assertEquals(direct.tokenIds().length, body.get("usage").get("completion_tokens").asInt());

        String id = body.get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            Completion c = completions.awaitCount(x -> x.getRequestId().equals(id), 1, Duration.ofMinutes(1)).getFirst();
            assertNull(c.getError());
            assertEquals(direct.outputHash(), c.getOutputHash());
            // the HTTP request never reaches the requests topic: its record carries what re-executing it needs
            assertEquals(SamplingParams.builder().maxTokens(20).seed(7L).build(),
                    dev.invariant.schemas.EngineMapping.sampling(c.getSampling()));
        }
    }

    @Test
    void streamingSendsDeltasThatAddUpToTheSameAnswer() throws Exception {
        String request = """
                {"model": "stories260K", "prompt": "%s", "max_tokens": 20, "temperature": 0, "seed": 7%s}
                """;
        JsonNode whole = JSON.readTree(post("/v1/completions", request.formatted(PROMPT, "")).body())
                .get("choices").get(0);
        var streamed = post("/v1/completions", request.formatted(PROMPT, ", \"stream\": true"));
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = streamed.body().lines().filter(l -> l.startsWith("data:"))
                .map(l -> l.substring(5).trim()).toList();
        assertEquals("[DONE]", events.getLast());
        var text = new StringBuilder();
        JsonNode last = null;
        for (String e : events.subList(0, events.size() - 1)) {
            last = JSON.readTree(e).get("choices").get(0);
            text.append(last.get("text").asText());
        }
        assertEquals(whole.get("text").asText(), text.toString());
        assertEquals(whole.get("output_hash").asText(), last.get("output_hash").asText());
        assertEquals(whole.get("fingerprint").asText(), last.get("fingerprint").asText());
        assertEquals(whole.get("finish_reason").asText(), last.get("finish_reason").asText());
    }

    @Test
    void beamSearchAnswersNChoicesEachWithItsOwnHashAndPublishesThemAll() throws Exception {
        var response = post("/v1/completions", """
                {"model": "stories260K", "prompt": "%s", "max_tokens": 12, "n": 2, "best_of": 3,
                 "use_beam_search": true, "length_penalty": 1.0, "early_stopping": "never", "stop": "Observation:"}
                """.formatted(PROMPT));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode choices = JSON.readTree(response.body()).get("choices");
        GenerationResult direct;
        try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
            direct = e.generateAll(List.of(new Request("direct", new Prompt.Text(PROMPT), SamplingParams.builder()
                    .maxTokens(12).useBeamSearch(true).n(2).bestOf(3).stop(List.of("Observation:"))
                    .earlyStopping(SamplingParams.EarlyStopping.NEVER).build())), (f, t, k) -> { }).getFirst();
        }
        assertEquals(2, choices.size());
        for (int i = 0; i < 2; i++) {
            assertEquals(i, choices.get(i).get("index").asInt());
            assertEquals(direct.outputs().get(i).outputHash(), choices.get(i).get("output_hash").asText());
            assertEquals(direct.outputs().get(i).text(), choices.get(i).get("text").asText());
            assertEquals(direct.fingerprint(), choices.get(i).get("fingerprint").asText());
            assertEquals(direct.outputs().get(i).cumulativeLogprob(),
                    (float) choices.get(i).get("cumulative_logprob").asDouble());
        }
        String id = JSON.readTree(response.body()).get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            Completion c = completions.awaitCount(x -> x.getRequestId().equals(id), 1, Duration.ofMinutes(1)).getFirst();
            assertEquals(direct.outputHash(), c.getOutputHash(), "the top level is the best output");
            assertEquals(2, c.getOutputs().size());
            assertEquals(direct.outputs().get(1).outputHash(), c.getOutputs().get(1).getOutputHash());
        }
    }

    @Test
    void nSamplesAreTheRequestsSeededSeedPlusI() throws Exception {
        String body = "{\"prompt\": \"%s\", \"max_tokens\": 12, \"temperature\": 0.9, \"seed\": %d%s}";
        var response = post("/v1/completions", body.formatted(PROMPT, 5, ", \"n\": 3"));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode root = JSON.readTree(response.body());
        JsonNode choices = root.get("choices");
        assertEquals(3, choices.size());
        int generated = 0;
        for (int i = 0; i < 3; i++) {
            JsonNode alone = JSON.readTree(post("/v1/completions", body.formatted(PROMPT, 5 + i, "")).body());
            JsonNode single = alone.get("choices").get(0);
            assertEquals(i, choices.get(i).get("index").asInt());
            assertEquals(single.get("output_hash"), choices.get(i).get("output_hash"), "sample " + i + " = seed " + (5 + i));
            assertEquals(single.get("text"), choices.get(i).get("text"));
            assertTrue(choices.get(i).get("cumulative_logprob").isNumber());
            generated += alone.get("usage").get("completion_tokens").asInt();
        }
        assertEquals(generated, root.get("usage").get("completion_tokens").asInt(), "usage counts every sample");
        assertEquals(400, post("/v1/completions", body.formatted(PROMPT, 5, ", \"n\": 2, \"best_of\": 3")).statusCode());
    }

    @Test
    void severalPromptsAnswerAsOneWithEachPromptsChoicesInTurn() throws Exception {
        String[] prompts = {PROMPT, "The sun was"};
        String many = "{\"prompt\": [\"%s\", \"%s\"], \"max_tokens\": 8, \"temperature\": 0.9, \"seed\": 3, \"n\": 2,"
                + " \"echo\": true}";
        var response = post("/v1/completions", many.formatted(prompts[0], prompts[1]));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode root = JSON.readTree(response.body());
        JsonNode choices = root.get("choices");
        assertEquals(4, choices.size());
        int promptTokens = 0;
        int completionTokens = 0;
        for (int p = 0; p < 2; p++) {
            JsonNode alone = JSON.readTree(post("/v1/completions", "{\"prompt\": \"%s\", \"max_tokens\": 8, \"temperature\": 0.9,"
                    .formatted(prompts[p]) + " \"seed\": 3, \"n\": 2, \"echo\": true}").body());
            for (int j = 0; j < 2; j++) {
                JsonNode c = choices.get(p * 2 + j);
                assertEquals(p * 2 + j, c.get("index").asInt());
                assertEquals(alone.get("choices").get(j).get("output_hash"), c.get("output_hash"), "prompt " + p + ", sample " + j);
                assertEquals(alone.get("choices").get(j).get("text"), c.get("text"));
                assertTrue(c.get("text").asText().startsWith(prompts[p]), "each choice echoes its own prompt");
            }
            promptTokens += alone.get("usage").get("prompt_tokens").asInt();
            completionTokens += alone.get("usage").get("completion_tokens").asInt();
        }
        assertEquals(promptTokens, root.get("usage").get("prompt_tokens").asInt());
        assertEquals(completionTokens, root.get("usage").get("completion_tokens").asInt());
        // Each prompt is published as a completion of its own: <id>-0, <id>-1.
        String id = root.get("id").asText();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (int p = 0; p < 2; p++) {
                String rid = id + "-" + p;
                Completion c = completions.awaitCount(x -> x.getRequestId().equals(rid), 1, Duration.ofMinutes(1)).getFirst();
                assertEquals(choices.get(p * 2).get("output_hash").asText(), c.getOutputHash());
            }
        }
        assertError(post("/v1/completions", "{\"prompt\": [\"a\", 7]}"), 400, "INVALID_PARAM", "prompt[1]");
        var ids = post("/v1/completions", "{\"prompt\": [[1, 403], [1, 407, 261]], \"max_tokens\": 2, \"temperature\": 0}");
        assertEquals(200, ids.statusCode(), ids.body());
        assertEquals(5, JSON.readTree(ids.body()).get("usage").get("prompt_tokens").asInt(), "two prompts of token ids");
    }

    @Test
    void vllmEngineOptionsInARequestAreRefusedByName() throws Exception {
        for (String option : List.of("kv_cache_dtype\": \"fp8_e5m2", "gpu_memory_utilization\": 0.95, \"x\": \"",
                "max_model_len\": 10000, \"x\": \"", "quantization\": \"gptq")) {
            var r = post("/v1/completions", "{\"prompt\": \"hi\", \"" + option + "\"}");
            assertEquals(400, r.statusCode(), r.body());
            String name = option.substring(0, option.indexOf('"'));
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertEquals(name, error.get("param").asText());
            assertTrue(error.get("message").asText().contains("engine setting"), error.toString());
        }
    }

    @Test
    void errorsComeBackInOpenAisShape() throws Exception {
        var unknown = post("/v1/completions", "{\"model\": \"gpt-17\", \"prompt\": \"hi\"}");
        assertEquals(404, unknown.statusCode());
        assertEquals("UNKNOWN_MODEL", JSON.readTree(unknown.body()).get("error").get("code").asText());
        var badParam = post("/v1/completions", "{\"prompt\": \"hi\", \"top_p\": 7}");
        assertEquals(400, badParam.statusCode());
        assertEquals("INVALID_PARAM", JSON.readTree(badParam.body()).get("error").get("code").asText());
        assertEquals("top_p", JSON.readTree(badParam.body()).get("error").get("param").asText());
        // A wrongly typed value is refused, never replaced by the default.
        var typed = post("/v1/completions", "{\"prompt\": \"hi\", \"temperature\": \"hot\"}");
        assertEquals(400, typed.statusCode(), typed.body());
        assertEquals("temperature", JSON.readTree(typed.body()).get("error").get("param").asText());
        // stories260K has no chat template: the chat endpoint says so instead of guessing one.
        var chat = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertEquals(400, chat.statusCode(), chat.body());
        assertTrue(JSON.readTree(chat.body()).get("error").get("message").asText().contains("chat template"));
    }

    @Test
    void modelsHealthAndMetricsAnswer() throws Exception {
        JsonNode models = JSON.readTree(get("/v1/models").body());
        assertEquals("stories260K", models.get("data").get(0).get("id").asText());

        var ready = get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        String checks = JSON.readTree(ready.body()).get("checks").toString();
        assertTrue(checks.contains("engine") && checks.contains("schema-registry") && checks.contains("kafka-broker"), checks);

        assertEquals(200, post("/v1/completions", "{\"prompt\": \"The sun\", \"max_tokens\": 4}").statusCode());
        String metrics = get("/q/metrics").body();
        for (String name : List.of("time_to_first_token_seconds_bucket", "e2e_request_latency_seconds_count",
                "request_queue_time_seconds", "num_requests_running", "num_requests_waiting", "kv_cache_usage_perc",
                "prompt_tokens_total", "generation_tokens_total", "request_success_total", "batch_size_bucket",
                "model_name=\"stories260K\"", "finished_reason=\"length\"")) {
            assertTrue(metrics.contains(name), "metrics lack " + name);
        }
        var atVllmsPath = get("/metrics"); // where vLLM serves them: the same registry
        assertEquals(200, atVllmsPath.statusCode());
        assertTrue(atVllmsPath.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(atVllmsPath.body().contains("num_requests_running") && atVllmsPath.body().contains("model_name=\"stories260K\""),
                atVllmsPath.body());
    }

    @Test
    void vllmsTokenizerEndpointsGiveTransformersIds() throws Exception {
        JsonNode cases = JSON.readTree(SharedModels.shared().resolve("models/stories260K/tokenizer-golden.json")
                .toFile()).get("cases");
        int maxModelLen = JSON.readTree(get("/v1/models").body()).get("data").get(0).get("max_model_len").asInt();
        for (int i = 0; i < Math.min(8, cases.size()); i++) {
            JsonNode c = cases.get(i);
            if (c.get("text").asText().isEmpty()) continue;
            var body = JSON.createObjectNode().put("model", "stories260K").put("prompt", c.get("text").asText());
            var tokenized = post("/tokenize", body.toString());
            assertEquals(200, tokenized.statusCode(), tokenized.body());
            JsonNode t = JSON.readTree(tokenized.body());
            assertEquals(c.get("ids"), t.get("tokens"), "transformers' ids of " + c.get("text"));
            assertEquals(c.get("ids").size(), t.get("count").asInt());
            assertEquals(maxModelLen, t.get("max_model_len").asInt());
            // add_special_tokens false: the same ids without the BOS transformers prepends.
            JsonNode plain = JSON.readTree(post("/tokenize", body.put("add_special_tokens", false).toString()).body());
            assertEquals(c.get("ids").size() - 1, plain.get("count").asInt(), plain.toString());
            var ids = JSON.createObjectNode();
            ids.set("tokens", plain.get("tokens"));
            var text = post("/detokenize", ids.toString());
            assertEquals(200, text.statusCode(), text.body());
            assertEquals(c.get("decoded").asText(), JSON.readTree(text.body()).get("prompt").asText());
        }
        // The count is what a generation request with that prompt is charged: its usage.prompt_tokens.
        JsonNode counted = JSON.readTree(post("/tokenize", "{\"prompt\": \"" + PROMPT + "\"}").body());
        JsonNode usage = JSON.readTree(post("/v1/completions", "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 2}")
                .body()).get("usage");
        assertEquals(usage.get("prompt_tokens").asInt(), counted.get("count").asInt());

        assertError(post("/detokenize", "{\"tokens\": [1, 99999]}"), 400, "INVALID_PARAM", "tokens");
        assertError(post("/tokenize", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), 400,
                "INVALID_PARAM", "messages");
        assertError(post("/tokenize", "{\"model\": \"gpt-17\", \"prompt\": \"hi\"}"), 404, "UNKNOWN_MODEL", "model");
        assertError(post("/tokenize", "{\"prompt\": "), 400, "INVALID_JSON", null);
        assertEquals(200, get("/health").statusCode());
        assertTrue(JSON.readTree(get("/version").body()).get("version").asText().startsWith("0."));
    }

    @Test
    void aClientsOwnRequestIdIsTheAnswersIdAndTheRecordsAsVllmMakesIt() throws Exception {
        String body = "{\"model\": \"stories260K\", \"prompt\": \"%s\", \"max_tokens\": 2, \"request_id\": \"from-body\"}"
                .formatted(PROMPT);
        var headed = http.send(HttpRequest.newBuilder(fixture.http("/v1/completions"))
                .header("Content-Type", "application/json").header("X-Request-Id", "from-header-" + System.nanoTime())
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, headed.statusCode(), headed.body());
        String id = JSON.readTree(headed.body()).get("id").asText();
        assertTrue(id.startsWith("cmpl-from-header-"), "the header wins over the body's request_id: " + id);
        assertEquals(id, Clients.published(id).getRequestId());
        assertEquals("cmpl-from-body", JSON.readTree(post("/v1/completions", body).body()).get("id").asText());
        assertError(post("/v1/completions", body.replace("from-body", "x".repeat(257))), 400, "INVALID_PARAM",
                "request_id");
        assertError(post("/v1/completions", body.replace("\"from-body\"", "7")), 400, "INVALID_PARAM", "request_id");
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String param) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals(code, error.get("code").asText(), r.body());
        if (param != null) assertEquals(param, error.get("param").asText(), r.body());
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, fixture.http(path), json);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(fixture.http(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
