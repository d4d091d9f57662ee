package dev.invariant.worker;

import static dev.invariant.worker.HttpCalls.assertInvalidParam;
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
import dev.invariant.engine.sample.structured.StructuredOutput;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineMapping;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Structured outputs over real HTTP, as vLLM's and OpenAI's clients send them: outputs that match, the engine's own
 * bits, the constraint in the completion's sampling record (so verify re-executes it), and 400s by name; and over
 * Kafka, in the InferenceRequest's sampling record.
 */
class HttpStructuredOutputsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROMPT = "Max had a red ball. He";
    private static final String SCHEMA = "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\","
            + " \"maxLength\": 10}, \"happy\": {\"type\": \"boolean\"}}, \"required\": [\"name\", \"happy\"]}";

    private final WorkerFixture fixture = WorkerFixture.get();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void responseFormatJsonSchemaGivesTheEnginesBitsAndTheRecordCarriesIt() throws Exception {
        var response = post("/v1/completions", """
                {"model": "stories260K", "prompt": "%s", "max_tokens": 60, "temperature": 0, "seed": 3,
                 "response_format": {"type": "json_schema", "json_schema": {"name": "kid", "strict": true,
                 "schema": %s}}}""".formatted(PROMPT, SCHEMA));
        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = JSON.readTree(response.body()).get("choices").get(0);
        JsonNode out = JSON.readTree(choice.get("text").asText());
        assertTrue(out.get("name").isTextual() && out.get("happy").isBoolean(), choice.toString());
        assertEquals("stop", choice.get("finish_reason").asText());
        SamplingParams p = SamplingParams.builder().maxTokens(60).seed(3L)
                .structuredOutput(StructuredOutput.jsonSchema("x", SCHEMA)).build();
        GenerationResult direct;
        try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
            direct = e.generateAll(List.of(new Request("direct", new Prompt.Text(PROMPT), p)), (f, t, k) -> { })
                    .getFirst();
        }
        assertEquals(direct.outputHash(), choice.get("output_hash").asText());
        assertEquals(direct.fingerprint(), choice.get("fingerprint").asText());
        String id = JSON.readTree(response.body()).get("id").asText();
        Completion c = Clients.published(id);
        assertNull(c.getError());
        assertEquals(p, EngineMapping.sampling(c.getSampling()), "what verify re-executes");
    }

    /** Chat on the tiny-qwen2 worker: the real Qwen tokenizer (byte-level, 151,936 ids) and chat template. */
    @Test
    void chatWithResponseFormatJsonSchemaOnAByteLevelVocabulary() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\", \"maxLength\": 8},"
                + " \"rain\": {\"type\": \"boolean\"}}, \"required\": [\"city\", \"rain\"], \"additionalProperties\": false}";
        WorkerProcess qwen = fixture.qwen();
        var response = http.send(HttpRequest.newBuilder(qwen.http("/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"model": "tiny-qwen2", "messages": [{"role": "user", "content": "Weather in Paris? JSON."}],
                         "max_tokens": 60, "temperature": 0, "seed": 1,
                         "response_format": {"type": "json_schema", "json_schema": {"name": "weather", "strict": true,
                         "schema": %s}}}""".formatted(schema))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        JsonNode choice = JSON.readTree(response.body()).get("choices").get(0);
        String content = choice.get("message").get("content").asText();
        assertEquals("stop", choice.get("finish_reason").asText(), content);
        JsonNode out = JSON.readTree(content);
        assertTrue(out.get("city").isTextual() && out.get("city").asText().codePoints().count() <= 8, content);
        assertTrue(out.get("rain").isBoolean(), content);
        assertEquals(2, out.size(), content);
    }

    @Test
    void guidedChoiceAndRegexOnCompletions() throws Exception {
        var choice = post("/v1/completions", """
                {"prompt": "%s", "max_tokens": 20, "temperature": 1, "seed": 9, "n": 2,
                 "guided_choice": ["kicked it", "threw it far", "lost it"]}""".formatted(PROMPT));
        assertEquals(200, choice.statusCode(), choice.body());
        for (JsonNode c : JSON.readTree(choice.body()).get("choices")) {
            assertTrue(List.of("kicked it", "threw it far", "lost it").contains(c.get("text").asText()), c.toString());
        }
        var regex = post("/v1/completions", """
                {"prompt": "%s", "max_tokens": 30, "temperature": 0,
                 "structured_outputs": {"regex": "[a-z]+( [a-z]+){1,3}!"}}""".formatted(PROMPT));
        assertEquals(200, regex.statusCode(), regex.body());
        String text = JSON.readTree(regex.body()).get("choices").get(0).get("text").asText();
        assertTrue(Pattern.compile("[a-z]+( [a-z]+){1,3}!").matcher(text).matches(), text);
        // vLLM's guided_grammar (GBNF): the same language as a grammar, sampled twice
        var grammar = post("/v1/completions", """
                {"prompt": "%s", "max_tokens": 30, "temperature": 0.8, "seed": 3, "n": 2,
                 "guided_grammar": "root ::= word (\\" \\" word){1,3} \\"!\\"\\nword ::= [a-z]+"}"""
                .formatted(PROMPT));
        assertEquals(200, grammar.statusCode(), grammar.body());
        for (JsonNode c : JSON.readTree(grammar.body()).get("choices")) {
            assertTrue(Pattern.compile("[a-z]+( [a-z]+){1,3}!").matcher(c.get("text").asText()).matches(), c.toString());
            assertEquals("stop", c.get("finish_reason").asText(), c.toString());
        }
    }

    /** The Kafka front door: Sampling.structured_output in the InferenceRequest, echoed in the Completion. */
    @Test
    void aKafkaRequestCarriesItsConstraint() throws Exception {
        var so = dev.invariant.schemas.StructuredOutput.newBuilder().setKind("regex").setSpec("[a-z]+( [a-z]+){1,3}!")
                .build();
        var bad = dev.invariant.schemas.StructuredOutput.newBuilder().setKind("grammar").setSpec("root ::= x").build();
        try (var clients = new Clients(); var completions = clients.completions()) {
            clients.send(Requests.text("so-kafka-ok", PROMPT, 30)
                    .setSampling(dev.invariant.schemas.Sampling.newBuilder().setMaxTokens(30).setStructuredOutput(so)
                            .build()).build());
            clients.send(Requests.text("so-kafka-bad", PROMPT, 30)
                    .setSampling(dev.invariant.schemas.Sampling.newBuilder().setMaxTokens(30).setStructuredOutput(bad)
                            .build()).build());
            var byId = new java.util.HashMap<String, Completion>();
            for (Completion c : completions.awaitCount(x -> x.getRequestId().toString().startsWith("so-kafka-"), 2,
                    Duration.ofMinutes(1))) {
                byId.put(c.getRequestId().toString(), c);
            }
            Completion ok = byId.get("so-kafka-ok");
            assertNull(ok.getError());
            assertTrue(Pattern.compile("[a-z]+( [a-z]+){1,3}!").matcher(ok.getText()).matches(), ok.getText().toString());
            assertEquals(so, ok.getSampling().getStructuredOutput());
            Completion refused = byId.get("so-kafka-bad");
            assertEquals("INVALID_PARAM", refused.getError().getCode().toString());
            assertTrue(refused.getError().getMessage().toString().contains("grammar"), refused.getError().toString());
        }
    }

    @Test
    void wrongValuesAreRefusedByNameOnBothRoutes() throws Exception {
        String chat = "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]";
        assertInvalidParam(post("/v1/completions", "{\"prompt\": \"hi\", \"guided_regex\": \"(a\"}"), "guided_regex");
        assertInvalidParam(post("/v1/completions",
                "{\"prompt\": \"hi\", \"guided_grammar\": \"root ::= x\"}"), "guided_grammar");
        assertInvalidParam(post("/v1/completions",
                "{\"prompt\": \"hi\", \"guided_choice\": [\"a\"], \"guided_regex\": \"a\"}"),
                "guided_regex");
        assertInvalidParam(post("/v1/chat/completions",
                "{" + chat + ", \"response_format\": {\"type\": \"json_schema\","
                + " \"json_schema\": {\"schema\": {\"type\": \"number\", \"multipleOf\": 2}}}}"),
                "response_format.json_schema.schema");
        assertInvalidParam(post("/v1/chat/completions", "{" + chat + ", \"structured_outputs\": {\"grammar\": \"x\"}}"),
                "structured_outputs.grammar");
        // Valid values pass the sampling fields; stories260K then has no chat template, which comes after them.
        assertInvalidParam(post("/v1/chat/completions",
                "{" + chat + ", \"response_format\": {\"type\": \"json_schema\","
                + " \"json_schema\": {\"name\": \"k\", \"schema\": " + SCHEMA + "}}}"), "messages");
        assertInvalidParam(post("/v1/chat/completions",
                "{" + chat + ", \"response_format\": {\"type\": \"json_object\"}}"),
                "messages");
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return HttpCalls.post(http, fixture.http(path), json);
    }
}
