package dev.invariant.cli;

import dev.invariant.stack.EmbeddedStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Once per test JVM: the embedded stack with Invariant's topics and the packaged worker serving stories260K on it,
 * for the commands that work against a running pipeline (verify, audit).
 */
final class LivePipeline {
    private static LivePipeline instance;

    final EmbeddedStack stack;
    final WorkerProcess worker;
    final KafkaOptions kafka = new KafkaOptions();
    final Path model = Path.of(System.getProperty("invariant.shared"), "models", "stories260K");

    private LivePipeline() throws IOException {
        Path dir = Files.createTempDirectory("invariant-cli-live");
        Path root = Path.of(System.getProperty("invariant.root"));
        stack = StackCommand.start(dir.resolve("stack"), 0, 0, 1);
        worker = WorkerProcess.start(root, Map.of("kafka.bootstrap.servers", stack.bootstrapServers(),
                "invariant.registry.url", stack.ccompatUrl(), "invariant.model", model.toString(),
                "invariant.threads", "2"), dir.resolve("worker.log"), Duration.ofMinutes(3));
        kafka.bootstrapServer = stack.bootstrapServers();
        kafka.registryUrl = stack.ccompatUrl();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            stack.close();
        }));
    }

    static synchronized LivePipeline get() {
        if (instance == null) {
            try {
                instance = new LivePipeline();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** {@code --bootstrap-server} and {@code --registry-url} of the stack. */
    String[] where() {
        return new String[] {"--bootstrap-server", stack.bootstrapServers(), "--registry-url", stack.ccompatUrl()};
    }
}
