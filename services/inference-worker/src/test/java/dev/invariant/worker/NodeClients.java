package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Node clients of src/test/node (the official openai SDK; kafkajs with @kafkajs/confluent-schema-registry),
 * installed once with {@code npm ci} from the committed lock file into target/node-clients and run as processes.
 */
final class NodeClients {
    private static final Path SOURCES = Path.of("src/test/node");
    static final Path DIR = Path.of("target/node-clients");

    /** What a run printed (stdout and stderr together) and how it ended. */
    record Run(int exitCode, String output) {
        List<String> lines(String prefix) {
            return output.lines().filter(l -> l.startsWith(prefix)).toList();
        }
    }

    private NodeClients() {
    }

    static synchronized void install() throws IOException, InterruptedException {
        Files.createDirectories(DIR);
        // Without node at all the test cannot run here; CI has node and npm (and reaches the npm registry).
        try {
            run(List.of("node", "--version"), 30);
        } catch (IOException e) {
            Assumptions.abort("node is not installed: " + e.getMessage());
        }
        try (var files = Files.list(SOURCES)) {
            for (Path p : files.toList()) {
                Files.copy(p, DIR.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (Files.isDirectory(DIR.resolve("node_modules/openai"))
                && Files.isDirectory(DIR.resolve("node_modules/kafkajs"))) {
            return;
        }
        Run npm = run(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"), 300);
        if (npm.exitCode() != 0) fail("npm ci of the Node clients failed:\n" + npm.output());
    }

    static Run run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
        // Read while it runs so a full pipe never blocks it.
        var out = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the process died; its exit code says so
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
            fail(String.join(" ", command) + " took longer than " + timeoutSeconds + " s:\n" + out);
        }
        reader.join();
        return new Run(p.exitValue(), out.toString());
    }
}
