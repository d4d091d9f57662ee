package dev.invariant.worker;

import dev.invariant.schemas.Topics;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Starts the real embedded stack (KRaft broker in this JVM, Apicurio registry as a child process) before the
 * worker application, and points the worker at it and at the shared stories260K model.
 */
public class StackResource implements QuarkusTestResourceLifecycleManager {
    /** The reply topic the request/reply test uses. */
    public static final String REPLIES = "test.replies";

    static EmbeddedStack stack;

    @Override
    public Map<String, String> start() {
        Path work;
        try {
            work = Files.createTempDirectory("invariant-worker-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stack = EmbeddedStack.start(StackConfig.defaults(work).withTopics(List.of(
                new TopicSpec(Topics.REQUESTS, 3), new TopicSpec(Topics.COMPLETIONS, 1),
                new TopicSpec(Topics.CHUNKS, 1), new TopicSpec(Topics.DLQ, 1), new TopicSpec(REPLIES, 1))));
        return Map.of(
                "kafka.bootstrap.servers", stack.bootstrapServers(),
                "invariant.registry.url", stack.ccompatUrl(),
                "invariant.model", SharedModels.stories260K().toString(),
                "invariant.threads", "2",
                "invariant.worker-id", "test-worker");
    }

    @Override
    public void stop() {
        if (stack != null) stack.close();
    }
}
