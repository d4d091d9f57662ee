package dev.invariant.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real thing, once per test JVM: the embedded stack (KRaft broker in this JVM, Apicurio registry as a child
 * process) with a 4-partition completions topic, and two packaged monitor processes sharing one application id
 * (so each holds part of the partitions and must ask the other). Completions are produced as any client would.
 */
final class MonitorFixture {
    static final int PARTITIONS = 4;
    private static MonitorFixture instance;

    final EmbeddedStack stack;
    final SchemaRegistryClient registry;
    final MonitorProcess a;
    final MonitorProcess b;
    final KafkaProducer<String, Completion> producer;
    final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private MonitorFixture() throws IOException {
        Path work = Files.createTempDirectory("invariant-monitor-it");
        stack = EmbeddedStack.start(StackConfig.defaults(work).withTopics(List.of(
                new TopicSpec(Topics.COMPLETIONS, PARTITIONS))));
        registry = new SchemaRegistryClient(RegistryConfig.of(stack.ccompatUrl()));
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        a = new MonitorProcess("monitor-a", jar, properties(work, "a"));
        b = new MonitorProcess("monitor-b", jar, properties(work, "b"));
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                new ConfluentAvroSerializer<Completion>(registry, true, false));
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown));
        a.start();
        b.start();
    }

    private List<String> properties(Path work, String name) {
        return List.of("-Dkafka.bootstrap.servers=" + stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + stack.ccompatUrl(),
                "-Dkafka-streams.state.dir=" + work.resolve("state-" + name),
                "-Dinvariant.metrics.refresh=500ms", "-Dinvariant.monitor.window=2s",
                "-Dinvariant.dashboard.models-dir=" + Path.of(System.getProperty("invariant.shared"), "models"));
    }

    static synchronized MonitorFixture get() {
        if (instance == null) {
            try {
                instance = new MonitorFixture();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    void send(Completion c) {
        try {
            producer.send(new ProducerRecord<>(Topics.COMPLETIONS, c.getRequestId(), c)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("producing a completion failed", e);
        }
    }

    void sendRaw(String key, byte[] value) {
        try (var raw = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(Topics.COMPLETIONS, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("producing a raw record failed", e);
        }
    }

    HttpResponse<String> get(URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The JSON of a 200 answer, waiting while the stores are not ready yet (503). */
    JsonNode getJson(URI uri) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            var r = get(uri);
            if (r.statusCode() == 503 && System.nanoTime() < end) {
                pause();
                continue;
            }
            if (r.statusCode() != 200) throw new AssertionError(uri + " answered " + r.statusCode() + ": " + r.body());
            try {
                return json.readTree(r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code uri} until its JSON satisfies {@code done}; fails with the last answer after {@code timeout}. */
    JsonNode await(URI uri, Predicate<JsonNode> done, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            var r = get(uri);
            last = r.statusCode() + " " + r.body();
            if (r.statusCode() == 200) {
                try {
                    JsonNode n = json.readTree(r.body());
                    if (done.test(n)) return n;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting on " + uri + "; last answer: "
                + last.substring(0, Math.min(2000, last.length())));
    }

    private void shutdown() {
        a.stop();
        b.stop();
        producer.close();
        registry.close();
        stack.close();
    }
}
