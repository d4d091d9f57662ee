package dev.invariant.cli;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * The inference worker (or another of our Quarkus services, {@link #startJar}) as a child process, started from its
 * built Quarkus jar and stopped gracefully.
 */
public final class WorkerProcess implements AutoCloseable {
    private final Process process;
    private final int httpPort;
    private final Path log;

    private WorkerProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
    }

    public static Path jar(Path root) {
        return root.resolve("services/inference-worker/target/quarkus-app/quarkus-run.jar");
    }

    /** Starts a worker with these properties and waits until it reports ready. */
    public static WorkerProcess start(Path root, Map<String, String> properties, Path log, Duration timeout) {
        return startJar(root, jar(root), properties, log, timeout);
    }

    /** Starts the Quarkus service packaged as {@code jar} with these properties and waits until it reports ready. */
    public static WorkerProcess startJar(Path root, Path jar, Map<String, String> properties, Path log, Duration timeout) {
        return startJar(root, jar, List.of(), properties, log, timeout);
    }

    /** As {@link #startJar(Path, Path, Map, Path, Duration)} with extra JVM options (e.g. an AOT cache). */
    public static WorkerProcess startJar(Path root, Path jar, List<String> jvmOptions, Map<String, String> properties,
                                         Path log, Duration timeout) {
        if (!Files.isRegularFile(jar)) {
            throw new EngineException(ErrorCode.INTERNAL, jar + " is not built: run ./invariant build");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(ServiceJvm.options());
        cmd.add("-Dquarkus.http.port=" + port);
        // The service stops itself when this process is gone, also after a kill -9 no shutdown hook sees.
        cmd.add("-Dinvariant.parent.pid=" + ProcessHandle.current().pid());
        cmd.addAll(jvmOptions);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", jar.toString()));
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            WorkerProcess w = new WorkerProcess(p, port, log);
            Runtime.getRuntime().addShutdownHook(new Thread(w::close, "worker-stop"));
            w.awaitReady(timeout);
            return w;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INTERNAL, "cannot start " + jar + ": " + e.getMessage());
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new EngineException(ErrorCode.INTERNAL, "the service exited with code " + process.exitValue()
                        + " during start-up: see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            sleep(250);
        }
        close();
        throw new EngineException(ErrorCode.INTERNAL, "the service was not ready within " + timeout.toSeconds()
                + " s: see " + log);
    }

    /** SIGTERM: the worker drains running requests; killed if it takes longer than a minute. */
    @Override
    public void close() {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new EngineException(ErrorCode.INTERNAL, "no free port: " + e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
