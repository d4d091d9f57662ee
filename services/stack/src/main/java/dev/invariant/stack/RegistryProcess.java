package dev.invariant.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The schema registry (Apicurio Registry 2.4, Confluent-compatible API at {@code /apis/ccompat/v7}) as a child JVM
 * bound to loopback. It never outlives us: a shutdown hook stops it on a normal exit, and the registry itself
 * exits when our pid is gone (kill -9), see {@code services/registry}.
 */
final class RegistryProcess implements AutoCloseable {
    static final String CCOMPAT_PATH = "/apis/ccompat/v7";

    private final Process process;
    private final String baseUrl;
    private final Path logFile;
    private final Thread shutdownHook;

    private RegistryProcess(Process process, String baseUrl, Path logFile) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.logFile = logFile;
        this.shutdownHook = new Thread(this::stop, "registry-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Launches the registry; {@link #awaitReady} waits for it. Its database lives in {@code dataDir}. */
    static RegistryProcess launch(Path home, Path dataDir, int port, Path logFile) {
        Path jar = RegistryBuild.ensureBuilt(home);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(
                // A small service: a modest heap, and start-up speed over peak throughput.
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                // Class data sharing archive made on the first run, reused by the next ones (faster start).
                "-XX:SharedArchiveFile=" + home.resolve("target").resolve("registry-cds.jsa"),
                "-XX:+AutoCreateSharedArchive", "-Xlog:cds=off", "-Xlog:cds+dynamic=off",
                "-Dinvariant.parent.pid=" + ProcessHandle.current().pid(),
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.console.color=false",
                // A file database in the work dir: schema ids survive a restart, as the records that carry them do.
                "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + dataDir.resolve("registry") + ";DB_CLOSE_ON_EXIT=FALSE",
                "-Dquarkus.datasource.jdbc.initial-size=2",
                "-Dquarkus.datasource.jdbc.min-size=2",
                "-Dquarkus.datasource.jdbc.max-size=20",
                "-jar", jar.toString()));
        if (Runtime.version().feature() >= 24) {
            // Netty and JBoss libraries of that Quarkus generation use sun.misc.Unsafe; keep the log free of the warning.
            cmd.add(1, "--sun-misc-unsafe-memory-access=allow");
        }
        try {
            Files.createDirectories(dataDir);
            Process process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            return new RegistryProcess(process, "http://127.0.0.1:" + port, logFile);
        } catch (IOException e) {
            throw new StackException("cannot start the schema registry (" + jar + "): " + e.getMessage(), e);
        }
    }

    /** Returns once {@code GET /apis/ccompat/v7/subjects} answers 200; fails naming the log when it does not. */
    void awaitReady(Duration timeout) {
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        var request = HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new StackException("the schema registry exited with code " + process.exitValue()
                            + " while starting; see its log " + logFile + ". Is port " + port() + " free?");
                }
                try {
                    if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // Not listening yet.
                }
                if (System.nanoTime() > deadline) {
                    throw new StackException("the schema registry did not answer " + request.uri() + " within "
                            + timeout.toSeconds() + " s; see its log " + logFile);
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the schema registry", e);
        }
    }

    String baseUrl() {
        return baseUrl;
    }

    String ccompatUrl() {
        return baseUrl + CCOMPAT_PATH;
    }

    long pid() {
        return process.pid();
    }

    private int port() {
        return URI.create(baseUrl).getPort();
    }

    /** Asks the registry to stop (SIGTERM: a clean Quarkus shutdown, which also writes the class data archive the
     * first time) and kills it if it takes too long. */
    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs, and stop() is idempotent.
        }
    }
}
