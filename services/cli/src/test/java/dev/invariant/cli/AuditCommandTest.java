package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.consistency.OutputsByFingerprint;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * {@code audit} against the worker's own OpenAI-compatible HTTP API: repeated greedy and seeded requests, sent four at
 * a time, come back as Completions of engine {@code remote:<host>} on the topic, with one output per fingerprint.
 */
class AuditCommandTest {
    static final String TOPIC = "test.audit.completions";

    @Test
    void aChatWithToolsIsRefusedNotSentWithoutThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var file = dir.resolve("tools.jsonl");
        java.nio.file.Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\":"
                + " [{\"type\": \"function\", \"function\": {\"name\": \"now\"}}]}\n");
        var o = GenerateCommandTest.run("audit", "--endpoint", "http://127.0.0.1:9", "--model", "m", "--file",
                file.toString());
        assertEquals(2, o.code(), o.out() + o.err());
        assertTrue(o.err().contains("has tools or tool calls, which audit does not send"), o.err());
    }

    @Test
    void publishesRemoteAnswersAndTheyAgree() throws Exception {
        LivePipeline live = LivePipeline.get();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, live.stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(1), Optional.empty()))).all().get();
        }
        // As a service does at start-up (the stack does it for Invariant's own topics).
        try (var registry = new SchemaRegistryClient(RegistryConfig.of(live.stack.ccompatUrl()))) {
            TopicSchemas.ensureRegistered(registry, Map.of(TOPIC, Completion.getClassSchema()));
        }
        String endpoint = live.worker.baseUrl();
        var greedy = GenerateCommandTest.run(VerifyCommandTest.concat(new String[] {"audit", "--endpoint", endpoint,
                "--model", "stories260K", "--repeat", "6", "--concurrency", "4", "--max-tokens", "10", "--topic", TOPIC,
                "Once upon a time", "The cat sat"}, live.where()));
        assertEquals(0, greedy.code(), greedy.out() + greedy.err());
        assertTrue(greedy.out().contains("answers 12 (errors 0), distinct fingerprints 2, repeated 2, with 2+ outputs 0"),
                greedy.out());
        var seeded = GenerateCommandTest.run(VerifyCommandTest.concat(new String[] {"audit", "--endpoint", endpoint,
                "--model", "stories260K", "--repeat", "4", "--concurrency", "4", "--max-tokens", "10", "--topic", TOPIC,
                "--temperature", "0.9", "--seed", "11", "A bird"}, live.where()));
        assertEquals(0, seeded.code(), seeded.out() + seeded.err());

        int[] unreadable = {0};
        List<Completion> published = TopicSnapshot.read(live.kafka, TOPIC, Completion.class, Duration.ofSeconds(30), unreadable);
        assertEquals(16, published.size());
        var outputs = new OutputsByFingerprint();
        for (Completion c : published) {
            assertEquals("remote:" + endpoint.substring("http://".length()), c.getEngine().getName());
            assertTrue(c.getEngine().getVersion().matches("invariant:portable/2:[0-9a-f]{12}"),
                    "the worker's system_fingerprint: " + c.getEngine().getVersion());
            assertTrue(c.getText().length() > 0);
            outputs.add(c);
        }
        assertEquals(3, outputs.fingerprints());
        assertEquals(0, outputs.divergent());

        // A beam search is sent as one (n, best_of, use_beam_search reach the server): each answer carries the n
        // outputs, and its fingerprint is not the greedy one of the same prompt.
        var beams = GenerateCommandTest.run(VerifyCommandTest.concat(new String[] {"audit", "--endpoint", endpoint,
                "--model", "stories260K", "--repeat", "2", "--max-tokens", "10", "--topic", TOPIC, "--use-beam-search",
                "--n", "2", "--best-of", "3", "Once upon a time"}, live.where()));
        assertEquals(0, beams.code(), beams.out() + beams.err());
        List<Completion> all = TopicSnapshot.read(live.kafka, TOPIC, Completion.class, Duration.ofSeconds(30), unreadable);
        List<Completion> beamed = all.subList(16, all.size());
        assertEquals(2, beamed.size());
        String greedyOnce = published.stream().filter(c -> c.getRequestId().contains("-p0-")).findFirst().orElseThrow()
                .getFingerprint();
        for (Completion c : beamed) {
            assertEquals(2, c.getOutputs().size(), "n outputs: " + c);
            assertEquals(c.getText(), c.getOutputs().getFirst().getText());
            assertEquals(c.getOutputHash(), c.getOutputs().getFirst().getOutputHash());
            assertTrue(c.getOutputs().get(0).getCumulativeLogprob() >= c.getOutputs().get(1).getCumulativeLogprob());
            assertTrue(c.getOutputs().get(0).getCumulativeLogprob() < 0, "the server's cumulative_logprob");
            assertTrue(!c.getFingerprint().equals(greedyOnce), "beam search is part of the fingerprint");
        }
        assertEquals(beamed.get(0).getFingerprint(), beamed.get(1).getFingerprint());

        var unreachable = GenerateCommandTest.run(VerifyCommandTest.concat(new String[] {"audit", "--endpoint",
                "http://127.0.0.1:1", "--model", "x", "--repeat", "1", "--topic", TOPIC, "hello"}, live.where()));
        assertEquals(1, unreachable.code(), unreachable.out() + unreachable.err());
        assertTrue(unreachable.out().contains("cannot reach"), unreachable.out());
    }
}
