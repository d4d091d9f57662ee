package dev.invariant.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code StackMain} as its own JVM, as {@code ./invariant stack} does, and stops it the two ways a user can. */
class StackMainTest {
    private static final Pattern KAFKA = Pattern.compile("^kafka\\s+(127\\.0\\.0\\.1:\\d+)");
    private static final Pattern REGISTRY = Pattern.compile("^registry\\s+(http://127\\.0\\.0\\.1:\\d+).*pid (\\d+)");

    @TempDir
    Path work;
    Process main;

    @AfterEach
    void cleanUp() {
        if (main != null) {
            main.destroyForcibly();
        }
    }

    @Test
    void helpDescribesTheOptions() throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        assertEquals(0, StackMain.run(new String[] {"--help"}, new java.io.PrintStream(out, true, StandardCharsets.UTF_8)));
        var text = out.toString(StandardCharsets.UTF_8);
        for (var option : List.of("--work-dir", "--kafka-port", "--registry-port", "--topic")) {
            assertTrue(text.contains(option), option + " missing from:\n" + text);
        }
    }

    @Test
    void printsWorkingAddressesAndStopsCleanlyOnSigterm() throws Exception {
        var started = launch("--topic", "main-test:2");
        assertAnswers(started);
        // SIGTERM (Ctrl-C's SIGINT takes the same path: the shutdown hook stops the stack). Through the handle, since
        // Process.destroy() would also close our end of its output.
        main.toHandle().destroy();
        assertTrue(main.waitFor(90, TimeUnit.SECONDS), "StackMain did not stop within 90 s");
        assertEquals(List.of("Stopped."), started.rest());
        assertFalse(alive(started.registryPid()), "the registry must stop with the stack");
        assertFalse(Files.exists(work.resolve(EmbeddedStack.ADDRESSES_FILE)));
    }

    @Test
    void theRegistryExitsByItselfWhenTheStackJvmIsKilled() throws Exception {
        var started = launch();
        main.destroyForcibly(); // SIGKILL: no shutdown hook runs, the registry must notice on its own
        assertTrue(main.waitFor(30, TimeUnit.SECONDS));
        var registry = ProcessHandle.of(started.registryPid());
        if (registry.isPresent()) {
            registry.get().onExit().get(60, TimeUnit.SECONDS);
        }
        assertFalse(alive(started.registryPid()), "the registry outlived the JVM that started it");
    }

    private record Started(String kafka, String registry, long registryPid, BufferedReader out, List<String> seen) {
        List<String> rest() throws Exception {
            var lines = new ArrayList<String>();
            for (String line; (line = out.readLine()) != null; ) {
                lines.add(line);
            }
            return lines;
        }
    }

    private Started launch(String... extra) throws Exception {
        var cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"),
                "-Dinvariant.registry.home=" + RegistryBuild.locateHome(),
                StackMain.class.getName(),
                "--work-dir", work.toString(), "--kafka-port", "0", "--registry-port", "0"));
        cmd.addAll(List.of(extra));
        main = new ProcessBuilder(cmd).redirectError(work.resolve("stderr.txt").toFile()).start();
        var out = new BufferedReader(new InputStreamReader(main.getInputStream(), StandardCharsets.UTF_8));
        String kafka = null;
        String registry = null;
        long pid = -1;
        var seen = new ArrayList<String>();
        for (String line; (line = out.readLine()) != null && !line.startsWith("Press Ctrl-C"); ) {
            seen.add(line);
            var k = KAFKA.matcher(line);
            if (k.find()) {
                kafka = k.group(1);
            }
            var r = REGISTRY.matcher(line);
            if (r.find()) {
                registry = r.group(1);
                pid = Long.parseLong(r.group(2));
            }
        }
        assertNotNull(kafka, () -> "no kafka address in " + seen + "; stderr: " + stderr());
        assertNotNull(registry, () -> "no registry address in " + seen + "; stderr: " + stderr());
        return new Started(kafka, registry, pid, out, seen);
    }

    private static void assertAnswers(Started s) throws Exception {
        try (var admin = Admin.create(Map.of("bootstrap.servers", s.kafka()))) {
            assertEquals(2, admin.describeTopics(List.of("main-test")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("main-test").partitions().size());
        }
        var response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(s.registry() + "/apis/ccompat/v7/subjects")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(s.seen().stream().anyMatch(l -> l.startsWith("ccompat") && l.contains(s.registry() + "/apis/ccompat/v7")),
                s.seen().toString());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private String stderr() {
        try {
            return Files.readString(work.resolve("stderr.txt"));
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
