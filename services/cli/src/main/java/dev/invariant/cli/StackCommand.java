package dev.invariant.cli;

import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import dev.invariant.stack.EmbeddedStack;
import dev.invariant.stack.StackConfig;
import dev.invariant.stack.StackMain;
import dev.invariant.stack.TopicSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code invariant stack}: a real Kafka broker and schema registry on loopback, with Invariant's topics and schemas. */
@Command(name = "stack", mixinStandardHelpOptions = true,
        description = {"Start a real Kafka broker and schema registry with Invariant's topics and schemas.",
                "A single-node KRaft broker and the registry (Confluent-compatible API) on loopback ports; the topics"
                + " are created, their schemas registered (BACKWARD); runs until Ctrl-C. Data stays in the work dir."})
public final class StackCommand implements Callable<Integer> {

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Broker data, registry database and logs (default: .invariant/stack).")
    Path workDir;

    @Option(names = "--kafka-port", paramLabel = "N", defaultValue = "" + StackConfig.DEFAULT_KAFKA_PORT,
            description = "Broker port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int kafkaPort;

    @Option(names = "--registry-port", paramLabel = "N", defaultValue = "" + StackConfig.DEFAULT_REGISTRY_PORT,
            description = "Registry HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4",
            description = "Partitions of the requests and completions topics: the most workers one group can use"
                    + " (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** Invariant's topics: requests and completions spread over partitions (one worker each at most). */
    static List<TopicSpec> topics(int partitions) {
        return List.of(new TopicSpec(Topics.REQUESTS, partitions), new TopicSpec(Topics.COMPLETIONS, partitions),
                new TopicSpec(Topics.CHUNKS, partitions), new TopicSpec(Topics.DLQ, 1),
                // compacted from the start, as docs/schemas.md says (the monitor would compact it only once it starts)
                new TopicSpec(Topics.CONSISTENCY, 1, java.util.Map.of("cleanup.policy", "compact")));
    }

    /** Starts a stack with Invariant's topics and registers the record schemas, so producers find them. */
    public static EmbeddedStack start(Path workDir, int kafkaPort, int registryPort, int partitions) {
        StackMain.useFileLogging(workDir);
        EmbeddedStack stack = EmbeddedStack.start(StackConfig.defaults(workDir).withPorts(kafkaPort, registryPort)
                .withTopics(topics(partitions)));
        try (SchemaRegistryClient client = new SchemaRegistryClient(RegistryConfig.of(stack.ccompatUrl()))) {
            TopicSchemas.ensureRegistered(client, TopicSchemas.defaults());
        }
        return stack;
    }

    @Override
    public Integer call() throws InterruptedException {
        Path dir = workDir != null ? workDir : KafkaOptions.stackDir();
        try (var lock = WorkDirLock.claim(dir, "stack", true)) { // held while this process runs
            System.out.println("Starting Kafka and the schema registry (work dir " + dir + ")...");
            EmbeddedStack stack = start(dir, kafkaPort, registryPort, partitions);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                System.out.println("Stopped.");
                stopped.countDown();
            }, "stack-stop"));
            StackMain.printAddresses(stack, System.out);
            stopped.await();
            return 0;
        }
    }
}
