package dev.invariant.worker;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real thing, once per test JVM: the embedded stack (KRaft broker in this JVM, Apicurio registry as a child
 * process) and the packaged worker serving stories260K, started as its own process exactly as the CLI starts it.
 * A second worker serving tiny-qwen2 (a model with a chat template) starts only when a test asks for it; it reads
 * its own requests topic in its own consumer group, so it never takes the first worker's partitions.
 */
final class WorkerFixture {
    static final String REPLIES = "test.replies";
    /** The requests topic of the tiny-qwen2 worker. */
    static final String QWEN_REQUESTS = "test.qwen.requests";
    /** Topics of the tests that start workers of their own (each its own requests topic and group). */
    static final String SASL_REQUESTS = "test.sasl.requests";
    static final String DRAIN_REQUESTS = "test.drain.requests";
    static final String HANDBACK_REQUESTS = "test.handback.requests";
    static final String KILL_REQUESTS = "test.kill.requests";
    static final String RESTART_REQUESTS = "test.restart.requests";
    static final String OUTAGE_REQUESTS = "test.outage.requests";
    static final String EOS_REQUESTS = "test.eos.requests";
    static final String FUZZ_REQUESTS = "test.fuzz.requests";
    static final String SLOW_REQUESTS = "test.slow.requests";
    static final String ORPHAN_REQUESTS = "test.orphan.requests";
    /** The broker's SASL/PLAIN user (its SASL_PLAINTEXT listener serves only this one). */
    static final String SASL_USER = "invariant-worker";
    static final String SASL_PASSWORD = "s3cret-for-tests";
    private static WorkerFixture instance;

    final EmbeddedStack stack;
    final SchemaRegistryClient registry;
    final int httpPort;
    private final WorkerProcess worker;
    private volatile WorkerProcess qwen;

    private WorkerFixture() throws IOException {
        Path work = Files.createTempDirectory("invariant-worker-it");
        stack = EmbeddedStack.start(StackConfig.defaults(work).withSaslPlain(SASL_USER, SASL_PASSWORD)
                .withTopics(List.of(new TopicSpec(Topics.REQUESTS, 3), new TopicSpec(Topics.COMPLETIONS, 1),
                        new TopicSpec(Topics.CHUNKS, 1), new TopicSpec(Topics.DLQ, 1), new TopicSpec(REPLIES, 1),
                        new TopicSpec(QWEN_REQUESTS, 1), new TopicSpec(SASL_REQUESTS, 1),
                        new TopicSpec(DRAIN_REQUESTS, 2), new TopicSpec(HANDBACK_REQUESTS, 2),
                        new TopicSpec(KILL_REQUESTS, 2), new TopicSpec(RESTART_REQUESTS, 2),
                        new TopicSpec(OUTAGE_REQUESTS, 1), new TopicSpec(EOS_REQUESTS, 2),
                        new TopicSpec(FUZZ_REQUESTS, 2), new TopicSpec(SLOW_REQUESTS, 1),
                        new TopicSpec(ORPHAN_REQUESTS, 1))));
        registry = new SchemaRegistryClient(RegistryConfig.of(stack.ccompatUrl()));
        // As `invariant stack` does: subjects under the BACKWARD rule with today's schemas registered.
        TopicSchemas.ensureRegistered(registry, TopicSchemas.defaults());
        worker = new WorkerProcess("worker", List.of(
                "-Dkafka.bootstrap.servers=" + stack.bootstrapServers(), "-Dinvariant.registry.url=" + stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=2"));
        httpPort = worker.httpPort();
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown));
        worker.start();
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
        return engineConfig(SharedModels.stories260K());
    }

    /** The engine configuration the tiny-qwen2 worker runs with. */
    static EngineConfig qwenEngineConfig() {
        return engineConfig(SharedModels.tinyQwen2());
    }

    // The worker's defaults (application.properties) apart from threads.
    private static EngineConfig engineConfig(Path model) {
        return new EngineConfig(model.toString(), NumericsProfile.PORTABLE, 1, 64, 2048, 512, 256, 16, 32768, true);
    }

    URI http(String path) {
        return worker.http(path);
    }

    /** Starts the stories260K worker again after {@link #killWorker()}. */
    void startWorker() {
        worker.start();
    }

    /** Kills the stories260K worker without any chance to clean up, as a crash or {@code kill -9} would. */
    void killWorker() throws InterruptedException {
        worker.kill();
    }

    /** The worker serving tiny-qwen2 on {@link #QWEN_REQUESTS} (Qwen3's reasoning parser on), started on first use. */
    synchronized WorkerProcess qwen() {
        if (qwen == null) {
            var p = new WorkerProcess("qwen", List.of(
                    "-Dkafka.bootstrap.servers=" + stack.bootstrapServers(),
                    "-Dinvariant.registry.url=" + stack.ccompatUrl(),
                    "-Dinvariant.model=" + SharedModels.tinyQwen2(), "-Dinvariant.threads=1",
                    "-Dinvariant.reasoning-parser=qwen3", // ChatReasoningIT; answers without <think> are unchanged
                    "-Dinvariant.topics.requests=" + QWEN_REQUESTS,
                    "-Dmp.messaging.incoming.requests.group.id=test-qwen-workers"));
            qwen = p; // set before starting, so shutdown stops it even when it never becomes ready
            p.start();
        }
        return qwen;
    }

    private void shutdown() {
        if (qwen != null) qwen.stop();
        worker.stop();
        registry.close();
        stack.close();
    }
}
