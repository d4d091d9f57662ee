package dev.invariant.monitor;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The monitor's exit when the process that started it dies with its broker, as when the demo's JVM is killed: it
 * notices, and leaves within its grace period although Kafka Streams' close has no broker to finish with.
 */
class MonitorExitIT {

    @Test
    void exitsWithinItsGracePeriodWhenItsParentAndTheBrokerAreGone() throws Exception {
        Path work = Files.createTempDirectory("invariant-monitor-exit");
        Process parent = new ProcessBuilder("sleep", "600").start();
        var stack = EmbeddedStack.start(StackConfig.defaults(work.resolve("stack"))
                .withTopics(List.of(new TopicSpec(Topics.COMPLETIONS, 1))));
        var monitor = new MonitorProcess("monitor-exit", Path.of("target", "quarkus-app", "quarkus-run.jar")
                .toAbsolutePath(), List.of("-Dkafka.bootstrap.servers=" + stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + stack.ccompatUrl(), "-Dkafka-streams.state.dir=" + work.resolve("state"),
                "-Dquarkus.kafka-streams.application-id=monitor-exit-it", "-Dinvariant.shutdown.grace-period=5s",
                "-Dinvariant.parent.pid=" + parent.pid()));
        try {
            monitor.start();
            counted(stack, monitor); // its exactly-once commits under way, as in a running demo
            stack.close();
            parent.destroyForcibly(); // as kill -9: no hook of the parent's runs
            parent.waitFor();
            long t0 = System.nanoTime();
            assertTrue(monitor.process().waitFor(60, TimeUnit.SECONDS), "still running 60 s after its parent died");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5_000 + 10_000, "exited " + ms + " ms after its parent died, with a 5 s grace period");
            assertTrue(Files.readString(monitor.log()).contains("(pid " + parent.pid() + ") is gone: shutting down"));
        } finally {
            parent.destroyForcibly();
            if (monitor.process() != null) monitor.process().destroyForcibly();
            stack.close();
        }
    }

    /** Produces one completion and waits until the monitor has counted it. */
    private static void counted(EmbeddedStack stack, MonitorProcess monitor) throws Exception {
        var registry = new SchemaRegistryClient(RegistryConfig.of(stack.ccompatUrl()));
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers()), new StringSerializer(), new ConfluentAvroSerializer<Completion>(registry,
                true, false))) {
            producer.send(new ProducerRecord<>(Topics.COMPLETIONS, "exit-1", Completions.of("exit-1", "f".repeat(64),
                    List.of(5, 6), "x", "portable", "cpu", "w", 1.0))).get();
        }
        var http = HttpClient.newHttpClient();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String last = "";
        while (System.nanoTime() < end) {
            var r = http.send(HttpRequest.newBuilder(monitor.http("/api/overview")).build(),
                    HttpResponse.BodyHandlers.ofString());
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200 && new ObjectMapper().readTree(r.body()).at("/total/completions").asLong() == 1) {
                return;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("the monitor did not count the completion: " + last);
    }
}
