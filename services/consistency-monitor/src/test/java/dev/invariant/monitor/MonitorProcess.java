package dev.invariant.monitor;

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
 * A packaged Quarkus service (the monitor, or the worker) running as its own process on a free loopback HTTP port,
 * its output in {@code target/it-<name>.log}; ready when {@code /q/health/ready} answers 200.
 */
final class MonitorProcess {
    private final String name;
    private final Path jar;
    private final List<String> properties;
    final int httpPort;
    private final Path log;
    private Process process;

    MonitorProcess(String name, Path jar, List<String> properties) {
        this.name = name;
        this.jar = jar;
        this.properties = List.copyOf(properties);
        try (var s = new ServerSocket(0)) {
            httpPort = s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.log = Path.of("target", "it-" + name + ".log").toAbsolutePath();
    }

    URI http(String path) {
        return URI.create("http://127.0.0.1:" + httpPort + path);
    }

    synchronized void start() {
        if (!Files.isRegularFile(jar)) throw new IllegalStateException(jar + " is missing: run the tests after `package`");
        var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx384m"));
        cmd.addAll(properties);
        cmd.addAll(List.of("-Dquarkus.http.port=" + httpPort, "-jar", jar.toString()));
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + cmd, e);
        }
        awaitReady(Duration.ofMinutes(3));
    }

    synchronized Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    synchronized void stop() {
        if (process == null || !process.isAlive()) return;
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitReady(Duration timeout) {
        var client = HttpClient.newHttpClient();
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) throw new IllegalStateException(name + " exited with " + process.exitValue() + ": see " + log);
            try {
                var r = client.send(HttpRequest.newBuilder(http("/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
        }
        throw new IllegalStateException(name + " was not ready after " + timeout + ": see " + log);
    }
}
