package dev.invariant.worker;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
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

/**
 * The real thing, once per test JVM: the embedded stack (KRaft broker in this JVM, Apicurio registry as a child
 * process) and the packaged worker started as its own process, exactly as the CLI starts it.
 */
final class WorkerFixture {
    static final String REPLIES = "test.replies";
    private static WorkerFixture instance;

    final EmbeddedStack stack;
    final SchemaRegistryClient registry;
    final int httpPort;
    private final Path log;
    private Process worker;

    private WorkerFixture() throws IOException {
        Path work = Files.createTempDirectory("invariant-worker-it");
        stack = EmbeddedStack.start(StackConfig.defaults(work).withTopics(List.of(
                new TopicSpec(Topics.REQUESTS, 3), new TopicSpec(Topics.COMPLETIONS, 1),
                new TopicSpec(Topics.CHUNKS, 1), new TopicSpec(Topics.DLQ, 1), new TopicSpec(REPLIES, 1))));
        registry = new SchemaRegistryClient(RegistryConfig.of(stack.ccompatUrl()));
        try (var s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();
        }
        log = Path.of("target", "worker-it.log").toAbsolutePath();
        startWorker();
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown));
    }

    static synchronized WorkerFixture get() {
        if (instance == null) {
            try {
                instance = new WorkerFixture();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** The engine configuration the worker runs with (threads never change bits, so 1 here). */
    static EngineConfig engineConfig() {
        return new EngineConfig(SharedModels.stories260K().toString(), NumericsProfile.PORTABLE, 1, 64, 2048, 512,
                256, 16, 32768, true);
    }

    URI http(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    synchronized void startWorker() {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after `package` (mvn verify)");
        }
        var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-Dkafka.bootstrap.servers=" + stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(),
                "-Dinvariant.threads=2", "-Dinvariant.worker-id=test-worker",
                "-Dquarkus.http.port=" + httpPort, "-jar", jar.toString()));
        try {
            worker = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the worker: " + cmd, e);
        }
        awaitReady(Duration.ofMinutes(3));
    }

    /** Kills the worker without any chance to clean up, as a crash or {@code kill -9} would. */
    synchronized void killWorker() throws InterruptedException {
        worker.destroyForcibly();
        worker.waitFor();
    }

    private void awaitReady(Duration timeout) {
        var http = HttpClient.newHttpClient();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!worker.isAlive()) {
                throw new IllegalStateException("the worker exited with " + worker.exitValue() + ": see " + log);
            }
            try {
                var r = http.send(HttpRequest.newBuilder(http("/q/health/ready")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("the worker was not ready after " + timeout + ": see " + log);
    }

    private void shutdown() {
        if (worker != null && worker.isAlive()) {
            worker.destroy();
            try {
                worker.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        registry.close();
        stack.close();
    }
}
