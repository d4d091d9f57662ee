package dev.invariant.worker;

import static dev.invariant.worker.HttpCalls.assertInvalidParam;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineMapping;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * logit_bias, min_tokens and allowed_token_ids over real HTTP: as OpenAI's and vLLM's clients send them, answered with
 * the engine's bits, published with them in the completion's sampling record, refused by name when wrong on both
 * routes.
 */
class HttpLogitProcessorsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Max had a red ball. He";

    private final WorkerFixture fixture = WorkerFixture.get();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theThreeReachTheEngineAndTheCompletionRecord() throws Exception {
        // EOS (2) gets +100, so it ends the text as soon as min_tokens lets it.
        var response = post("/v1/completions", """
                {"model": "stories260K", "prompt": "%s", "max_tokens": 12, "temperature": 0, "seed": 3,
                 "logit_bias": {"2": 100, "300": 2.5}, "min_tokens": 4, "allowed_token_ids": [2, 300, 301, 302, 13]}
                """.formatted(PROMPT));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = JSON.readTree(response.body()).get("choices").get(0);
        SamplingParams p = SamplingParams.builder().maxTokens(12).seed(3L).logitBias(Map.of(2, 100f, 300, 2.5f))
                .minTokens(4).allowedTokenIds(List.of(2, 300, 301, 302, 13)).build();
        GenerationResult direct;
        try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
            direct = e.generateAll(List.of(new Request("direct", new Prompt.Text(PROMPT), p)), (f, t, k) -> { })
                    .getFirst();
        }
        assertEquals(5, direct.tokenIds().length, "4 tokens, then EOS");
        assertEquals(2, direct.tokenIds()[4]);
        assertEquals(direct.outputHash(), choice.get("output_hash").asText());
        assertEquals(direct.fingerprint(), choice.get("fingerprint").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        String id = JSON.readTree(response.body()).get("id").asText();
        Completion c = Clients.published(id);
        assertNull(c.getError());
        assertEquals(p, EngineMapping.sampling(c.getSampling()), "what verify re-executes");
    }

    @Test
    void wrongValuesAreRefusedByNameOnBothRoutes() throws Exception {
        String chat = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
        assertInvalidParam(post("/v1/completions", "{\"prompt\": \"hi\", \"logit_bias\": {\"2\": 101}}"), "logit_bias");
        assertInvalidParam(post("/v1/completions",
                "{\"prompt\": \"hi\", \"logit_bias\": {\"2\": \"-100\"}}"), "logit_bias");
        assertInvalidParam(post("/v1/completions",
                "{\"prompt\": \"hi\", \"allowed_token_ids\": [600]}"), "allowed_token_ids");
        assertInvalidParam(post("/v1/completions",
                "{\"prompt\": \"hi\", \"max_tokens\": 3, \"min_tokens\": 4}"), "min_tokens");
        assertInvalidParam(post("/v1/chat/completions", "{" + chat + ", \"logit_bias\": {\"x\": 1}}"), "logit_bias");
        assertInvalidParam(post("/v1/chat/completions", "{" + chat + ", \"min_tokens\": \"4\"}"), "min_tokens");
        // Valid values pass the sampling fields; stories260K then has no chat template, which comes after them.
        assertInvalidParam(post("/v1/chat/completions",
                "{" + chat + ", \"logit_bias\": {\"2\": -100}, \"min_tokens\": 2,"
                + " \"allowed_token_ids\": [5, 6]}"), "messages");
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, fixture.http(path), json);
    }
}
