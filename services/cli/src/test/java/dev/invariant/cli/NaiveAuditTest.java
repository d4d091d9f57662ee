package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit} of the worker's OpenAI-compatible API, watched by the real consistency monitor (on a topic of its
 * own): the portable worker's repeats all agree, a worker running {@code naive} answers the same repeated prompts, 8
 * at a time, with more than one output, and the monitor counts that divergence (docs/naive.md).
 */
class NaiveAuditTest {
    private static final Pattern DIVERGENT = Pattern.compile("(\\d+) with 2\\+ outputs");

    @Test
    void naiveDivergesInTheMonitorAndPortableDoesNot(@TempDir Path dir) throws Exception {
        LivePipeline live = LivePipeline.get();
        String topic = "test.audit.naive." + Long.toString(System.nanoTime(), 36);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, live.stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get();
        }
        try (var registry = new SchemaRegistryClient(RegistryConfig.of(live.stack.ccompatUrl()))) {
            TopicSchemas.ensureRegistered(registry, Map.of(topic, Completion.getClassSchema()));
        }
        Path root = Path.of(System.getProperty("invariant.root"));
        Map<String, String> props = Map.of("kafka.bootstrap.servers", live.stack.bootstrapServers(),
                "invariant.registry.url", live.stack.ccompatUrl(), "invariant.model", live.model.toString(),
                "invariant.threads", "2", "invariant.worker-id", "test-naive");
        try (WorkerProcess naive = LoadWaves.startNaiveWorker(root, live.stack, props, dir.resolve("naive.log"));
             WorkerProcess monitor = WorkerProcess.startJar(root, MonitorClient.jar(root), Map.of(
                     "kafka.bootstrap.servers", live.stack.bootstrapServers(),
                     "invariant.registry.url", live.stack.ccompatUrl(),
                     "invariant.topics.completions", topic, "invariant.topics.consistency", topic + ".events",
                     "kafka-streams.state.dir", dir.resolve("monitor-state").toString()),
                     dir.resolve("monitor.log"), Duration.ofMinutes(3))) {
            audit(live.worker.baseUrl(), topic, live);
            String portable = MonitorClient.describe(monitor, 64, Duration.ofSeconds(90));
            assertTrue(portable.contains("saw          64 completions"), portable);
            assertEquals(0, divergent(portable), portable);

            audit(naive.baseUrl(), topic, live);
            String both = MonitorClient.describe(monitor, 128, Duration.ofSeconds(90));
            System.out.println("NaiveAuditTest: portable " + portable + "\nNaiveAuditTest: portable + naive " + both);
            assertTrue(both.contains("saw          128 completions"), both);
            // Each endpoint reports its own system_fingerprint, so naive answers are compared with naive ones only.
            assertTrue(divergent(both) >= 1, "naive under concurrent load gave one output per prompt: " + both);
        }
    }

    private static void audit(String endpoint, String topic, LivePipeline live) {
        var r = GenerateCommandTest.run(VerifyCommandTest.concat(new String[] {"audit", "--endpoint", endpoint,
                "--model", "stories260K", "--repeat", "32", "--concurrency", "8", "--max-tokens", "48", "--topic", topic,
                DemoCommand.PROBE, "The little girl saw a big red ball"}, live.where()));
        assertEquals(0, r.code(), r.out() + r.err());
    }

    private static long divergent(String described) {
        Matcher m = DIVERGENT.matcher(described);
        assertTrue(m.find(), described);
        return Long.parseLong(m.group(1));
    }
}
