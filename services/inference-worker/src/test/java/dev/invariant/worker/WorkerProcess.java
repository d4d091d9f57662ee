package dev.invariant.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged worker jar running as its own process, exactly as the CLI starts it, on a free loopback HTTP port,
 * its output appended to {@code target/worker-it-<name>.log}.
 */
final class WorkerProcess {
    private final String name;
    private final List<String> properties;
    private final Map<String, String> environment;
    private final int httpPort;
    private final Path log;
    private Process process;

    /**
     * @param name       names the log file and the worker id
     * @param properties {@code -D} options of this worker (Kafka, registry, model, topics, ...)
     */
    WorkerProcess(String name, List<String> properties) {
        this(name, properties, Map.of());
    }

    /** @param environment variables added to the worker's environment (settings given the container way) */
    WorkerProcess(String name, List<String> properties, Map<String, String> environment) {
        this.name = name;
        this.properties = List.copyOf(properties);
        this.environment = Map.copyOf(environment);
        try (var s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the worker's HTTP API", e);
        }
        this.log = Path.of("target", "worker-it-" + name + ".log").toAbsolutePath();
    }

    int httpPort() {
        return httpPort;
    }

    URI http(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    /** Starts the process (again, after {@link #kill()}) and waits until its readiness check answers 200. */
    synchronized void start() {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after `package` (mvn verify)");
        }
        var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m"));
        cmd.addAll(properties);
        cmd.addAll(List.of("-Dinvariant.worker-id=test-" + name, "-Dquarkus.http.port=" + httpPort,
                "-jar", jar.toString()));
        try {
            var builder = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the worker: " + cmd, e);
        }
        awaitReady(Duration.ofMinutes(3));
    }

    /** Kills the process without any chance to clean up, as a crash or {@code kill -9} would. */
    synchronized void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** The worker's log file (appended to across restarts). */
    Path log() {
        return log;
    }

    /** The running process (for signals and its exit code). */
    synchronized Process process() {
        return process;
    }

    /** Asks the process to stop (SIGTERM: the worker drains) and waits for it. */
    synchronized void stop() {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code GET /q/health/ready} now (200 ready, 503 not, with each check's status in the body). */
    HttpResponse<String> readiness() throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(http("/q/health/ready"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitReady(Duration timeout) {
        var http = HttpClient.newHttpClient();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the worker exited with " + process.exitValue() + ": see " + log);
            }
            try {
                var r = http.send(HttpRequest.newBuilder(http("/q/health/ready")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
                Thread.sleep(500);
            } catch (IOException e) {
                sleep(); // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the worker", e);
            }
        }
        throw new IllegalStateException("the worker was not ready after " + timeout + ": see " + log);
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the worker", e);
        }
    }
}
