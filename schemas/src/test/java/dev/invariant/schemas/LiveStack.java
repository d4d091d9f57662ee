package dev.invariant.schemas;

import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/**
 * One real broker and registry for every integration test of this JVM, started on first use and stopped
 * when the JVM exits; tests keep apart by topic and subject names.
 */
public final class LiveStack {

    private static EmbeddedStack stack;

    private LiveStack() {
    }

    public static synchronized EmbeddedStack get() {
        if (stack == null) {
            try {
                var dir = Files.createTempDirectory("invariant-schemas-it");
                var topics = List.of(Topics.REQUESTS, Topics.COMPLETIONS, Topics.CHUNKS, Topics.DLQ).stream()
                        .map(t -> new TopicSpec(t, 1)).toList();
                stack = EmbeddedStack.start(StackConfig.defaults(dir).withTopics(topics));
                Runtime.getRuntime().addShutdownHook(new Thread(stack::close));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return stack;
    }
}
