package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.Seeds;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.StructuredOutput;
import dev.invariant.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker as clients no one here wrote use it, with their library defaults: the official {@code openai} npm SDK
 * over HTTP (success, streaming, logprobs, prompt scoring with echo, logit_bias, n samples, several prompts, streamed too, each error class), and a kafkajs consumer
 * decoding every topic through
 * {@code @kafkajs/confluent-schema-registry} (avsc, which refuses longs beyond 2^53).
 */
class NodeClientsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The checks openai-client.mjs makes; each prints "ok NAME". */
    private static final int OPENAI_CHECKS = 39;

    @BeforeAll
    static void install() throws Exception {
        NodeClients.install();
    }

    @Test
    void theOfficialOpenAiClientGetsAnswersStreamsAndOpenAiShapedErrors() throws Exception {
        WorkerFixture fixture = WorkerFixture.get();
        WorkerProcess qwen = fixture.qwen();
        var run = NodeClients.run(List.of("node", "openai-client.mjs", fixture.http("/v1").toString(), "stories260K",
                qwen.http("/v1").toString(), "tiny-qwen2"), 300);
        assertEquals(0, run.exitCode(), run.output());
        assertEquals(OPENAI_CHECKS, run.lines("ok ").size(), run.output());
    }

    @Test
    void kafkajsWithLibraryDefaultsDecodesEveryRecordOnEveryTopic() throws Exception {
        try (var clients = new Clients(); var completions = clients.completions()) {
            // Unseeded requests: their seeds derive from the ids, the values avsc used to refuse.
            clients.send(Requests.text("node-greedy", "Once upon a time", 6).setLogprobs(2).setPromptLogprobs(3).build());
            clients.send(Requests.text("node-sampled", "Once upon a time", 6)
                    .setSampling(Sampling.newBuilder().setMaxTokens(6).setTemperature(0.8f).build()).build());
            clients.send(Requests.text("node-stream", "The cat", 4).setStream(true).build());
            clients.send(Requests.text("node-bad", "Once upon a time", 6)
                    .setSampling(Sampling.newBuilder().setTopP(7f).build()).build());
            // A nested record in a union (Sampling.structured_output), which avsc decodes unwrapped.
            clients.send(Requests.text("node-choice", "Once upon a time", 6).setSampling(Sampling.newBuilder()
                    .setMaxTokens(6).setStructuredOutput(StructuredOutput.newBuilder().setKind("choice")
                            .setSpec("[\"yes\",\"no\"]").build()).build()).build());
            clients.sendRaw("dlq-node-garbage", "not avro".getBytes(StandardCharsets.UTF_8));
            Map<String, Completion> java = new HashMap<>();
            for (Completion c : completions.awaitCount(c -> c.getRequestId().startsWith("node-"), 5,
                    Duration.ofMinutes(2))) {
                java.put(c.getRequestId(), c);
            }
            assertEquals(Seeds.fromRequestId("node-sampled"), java.get("node-sampled").getSeed());
            // Log-probabilities on Kafka are the engine's, bit for bit, as computed directly.
            GenerationResult direct;
            try (Engine e = Engine.open(WorkerFixture.engineConfig())) {
                direct = e.generateAll(List.of(new Request("direct", new Prompt.Text("Once upon a time"),
                        SamplingParams.greedy(6), 0L, 2, 3)), (f, t, k) -> { }).getFirst();
            }
            assertEquals(direct.logprobs(), engineLogprobs(java.get("node-greedy").getLogprobs()));
            // The prompt's too (Completion.prompt_logprobs), from its second token on.
            assertEquals(direct.promptTokenIds().length - 1, direct.promptLogprobs().size());
            assertEquals(direct.promptLogprobs(), engineLogprobs(java.get("node-greedy").getPromptLogprobs()));
            assertNull(java.get("node-sampled").getLogprobs(), "only a request that asks gets logprobs");
            assertNull(java.get("node-sampled").getPromptLogprobs(), "only a request that asks gets prompt logprobs");

            var run = NodeClients.run(List.of("node", "consume.js", clients.fixture.stack.bootstrapServers(),
                    clients.fixture.stack.ccompatUrl(), Topics.REQUESTS + "=node-:5", Topics.COMPLETIONS + "=node-:5",
                    Topics.CHUNKS + "=node-stream:1", Topics.DLQ + "=dlq-node-:1"), 180);
            assertEquals(0, run.exitCode(), run.output());
            Map<String, JsonNode> node = new HashMap<>();
            JsonNode nodeRequest = null;
            int chunks = 0;
            JsonNode dead = null;
            for (String line : run.lines("{")) {
                JsonNode r = JSON.readTree(line);
                switch (r.get("topic").asText()) {
                    case Topics.COMPLETIONS -> node.put(r.get("key").asText(), r.get("value"));
                    case Topics.REQUESTS -> {
                        if (r.get("key").asText().equals("node-choice")) nodeRequest = r.get("value");
                    }
                    case Topics.CHUNKS -> chunks++;
                    case Topics.DLQ -> dead = r.get("value");
                    default -> { }
                }
            }
            assertTrue(chunks >= 1, run.output());
            assertNotNull(dead, run.output());
            assertTrue(dead.get("reason").asText().contains("magic byte"), dead.toString());
            for (Completion c : java.values()) {
                JsonNode n = node.get(c.getRequestId());
                assertNotNull(n, "Node did not read " + c.getRequestId() + ":\n" + run.output());
                if (c.getSeed() == null) assertTrue(n.get("seed").isNull());
                else assertEquals((long) c.getSeed(), n.get("seed").asLong(), c.getRequestId());
                assertEquals(String.valueOf(c.getOutputHash()), n.get("output_hash").isNull() ? "null"
                        : n.get("output_hash").asText(), c.getRequestId());
                assertEquals(c.getLogprobs() == null ? 0 : c.getLogprobs().size(), n.get("logprobs").size());
                assertEquals(c.getPromptLogprobs() == null ? 0 : c.getPromptLogprobs().size(),
                        n.get("prompt_logprobs").size(), c.getRequestId());
            }
            assertNotNull(nodeRequest, run.output());
            assertEquals("choice", nodeRequest.at("/sampling/structured_output/kind").asText(), nodeRequest.toString());
            assertEquals("[\"yes\",\"no\"]", nodeRequest.at("/sampling/structured_output/spec").asText());
            String choice = java.get("node-choice").getText();
            assertTrue(choice.equals("yes") || choice.equals("no"), choice);
            assertEquals(choice, node.get("node-choice").get("text").asText());
            assertEquals("choice", node.get("node-choice").at("/sampling/structured_output/kind").asText(),
                    node.get("node-choice").toString());
            assertNull(java.get("node-sampled").getError());
            assertEquals("INVALID_PARAM", java.get("node-bad").getError().getCode());

            // A Node client registering our own Completion.avsc finds the id the worker writes with: no new version.
            String subject = Topics.COMPLETIONS + "-value";
            int ours = clients.fixture.registry.idOf(subject, Completion.getClassSchema());
            var reg = NodeClients.run(List.of("node", "register.js", clients.fixture.stack.ccompatUrl(), subject,
                    Path.of("../../schemas/src/main/avro/Completion.avsc").toAbsolutePath().toString()), 60);
            assertEquals(0, reg.exitCode(), reg.output());
            assertEquals(List.of("id " + ours), reg.lines("id "));
            assertTrue(java.get("node-bad").getError().getMessage().contains("top_p"));
        }
    }

    /** A completion's log-probabilities read field by field (not through the worker's own mapping). */
    private static List<TokenLogprob> engineLogprobs(List<dev.invariant.schemas.TokenLogprob> lps) {
        return lps.stream().map(l -> new TokenLogprob(l.getTokenId(), l.getLogprob(), l.getTop().stream()
                .map(a -> new TokenLogprob.Alternative(a.getTokenId(), a.getLogprob())).toList())).toList();
    }
}
