package dev.invariant.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.stack.EmbeddedStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The consistency monitor as the CLI uses it: started from its packaged jar, and asked for its overview. */
final class MonitorClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private MonitorClient() {
    }

    static Path jar(Path root) {
        return root.resolve("services/consistency-monitor/target/quarkus-app/quarkus-run.jar");
    }

    /**
     * Starts a monitor on the stack, its RocksDB state and log under {@code dir}, and waits until it is ready. When
     * {@code model} is a local folder, its parent is the monitor's models dir: the divergence view shows token texts.
     */
    static WorkerProcess start(Path root, EmbeddedStack stack, Path dir, String model) {
        Map<String, String> props = new java.util.LinkedHashMap<>(Map.of(
                "kafka.bootstrap.servers", stack.bootstrapServers(),
                "invariant.registry.url", stack.ccompatUrl(),
                "kafka-streams.state.dir", dir.resolve("monitor-state").toString()));
        Path folder = Path.of(model).toAbsolutePath();
        if (java.nio.file.Files.isRegularFile(folder.resolve("tokenizer.json")) && folder.getParent() != null) {
            props.put("invariant.dashboard.models-dir", folder.getParent().toString());
        }
        return WorkerProcess.startJar(root, jar(root), props, dir.resolve("monitor.log"), Duration.ofMinutes(3));
    }

    /**
     * Waits until the monitor has counted {@code before + completions} completions (or {@code timeout} passed) and
     * says what it found: the same figures as the summary, computed independently from the topic by the Streams
     * application; {@code before}, what the topic held before this run sent anything, is said apart.
     */
    static String describe(WorkerProcess monitor, long before, int completions, Duration timeout)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        JsonNode total = null;
        while (System.nanoTime() < end) {
            JsonNode t = total(monitor);
            if (t != null) {
                total = t;
                if (total.get("completions").asLong() >= before + completions) break;
            }
            Thread.sleep(250);
        }
        if (total == null) return "consistency monitor              did not answer (see its log)";
        long seen = total.get("completions").asLong();
        String earlier = before == 0 ? "" : String.format(" (%d from this run, %d from earlier runs in this work dir)",
                seen - before, before);
        return String.format("consistency monitor saw          %d completions%s, %d fingerprints repeated, %d with 2+"
                        + " outputs (consistency rate %.2f %%)", seen, earlier, total.get("repeated").asLong(),
                total.get("divergent").asLong(), 100 * total.get("consistencyRate").asDouble());
    }

    /** {@link #describe(WorkerProcess, long, int, Duration)} for a monitor that counted nothing before. */
    static String describe(WorkerProcess monitor, int completions, Duration timeout) throws InterruptedException {
        return describe(monitor, 0, completions, timeout);
    }

    /** The overview's {@code total} row, or null while the monitor does not answer. */
    private static JsonNode total(WorkerProcess monitor) throws InterruptedException {
        try {
            var r = HTTP.send(HttpRequest.newBuilder(URI.create(monitor.baseUrl() + "/api/overview"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()).get("total") : null;
        } catch (IOException e) {
            return null;  // not answering yet
        }
    }
}
