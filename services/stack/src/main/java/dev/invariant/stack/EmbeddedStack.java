package dev.invariant.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real Kafka broker (single KRaft node, in this JVM) and a real schema registry (child JVM) on loopback ports,
 * with their data under one work dir. What {@code ./invariant stack}, the demo and the integration tests run on.
 * <pre>{@code
 * try (var stack = EmbeddedStack.start(StackConfig.defaults(dir).withTopics(topics))) {
 *     producerProps.put("bootstrap.servers", stack.bootstrapServers());
 *     ... stack.ccompatUrl() ...
 * }
 * }</pre>
 */
public final class EmbeddedStack implements AutoCloseable {
    /** Work dir layout. */
    static final String KAFKA_DIR = "kafka";
    static final String REGISTRY_DIR = "registry";
    static final String REGISTRY_LOG = "registry.log";
    /** Written while the stack runs, so that other processes can find it when its ports were chosen freely. */
    public static final String ADDRESSES_FILE = "stack.properties";

    private final StackConfig config;
    private KafkaBroker broker;
    private final int[] brokerPorts;
    private final RegistryProcess registry;
    private final Duration brokerStartTime;
    private final Duration registryStartTime;
    private boolean closed;

    private EmbeddedStack(StackConfig config, KafkaBroker broker, int[] brokerPorts, RegistryProcess registry,
                          Duration brokerStartTime, Duration registryStartTime) {
        this.config = config;
        this.broker = broker;
        this.brokerPorts = brokerPorts;
        this.registry = registry;
        this.brokerStartTime = brokerStartTime;
        this.registryStartTime = registryStartTime;
    }

    /**
     * Starts both and returns once the broker answers {@code describeCluster}, the topics exist and the registry
     * answers {@code GET /apis/ccompat/v7/subjects}. The registry is built first if it has never been built.
     */
    public static EmbeddedStack start(StackConfig config) {
        Path work = config.workDir();
        try {
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new StackException("cannot create the work dir " + work + ": " + e.getMessage(), e);
        }
        int[] ports = FreePorts.pick(config.kafkaPort(), config.registryPort(), 0, 0);
        int kafkaPort = ports[0];
        int registryPort = ports[1];
        int controllerPort = ports[2];
        int saslPort = ports[3];
        // The registry JVM starts while the broker starts in this one: the two overlap.
        long t0 = System.nanoTime();
        var registry = RegistryProcess.launch(config.registryHome(), work.resolve(REGISTRY_DIR), registryPort,
                work.resolve(REGISTRY_LOG));
        KafkaBroker broker = null;
        try {
            long tb = System.nanoTime();
            broker = KafkaBroker.start(work.resolve(KAFKA_DIR), kafkaPort, controllerPort, config.saslPlain(), saslPort,
                    config.startTimeout());
            createTopics(broker.bootstrapServers(), config);
            Duration brokerTime = Duration.ofNanos(System.nanoTime() - tb);
            registry.awaitReady(config.startTimeout());
            Duration registryTime = Duration.ofNanos(System.nanoTime() - t0);
            var stack = new EmbeddedStack(config, broker, new int[]{kafkaPort, controllerPort, saslPort}, registry,
                    brokerTime, registryTime);
            stack.writeAddresses();
            return stack;
        } catch (RuntimeException e) {
            registry.close();
            if (broker != null) {
                broker.close();
            }
            throw e;
        }
    }

    private static void createTopics(String bootstrap, StackConfig config) {
        if (config.topics().isEmpty()) {
            return;
        }
        try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (var topic : config.topics()) {
                var result = admin.createTopics(List.of(
                        new NewTopic(topic.name(), Optional.of(topic.partitions()), Optional.empty())
                                .configs(topic.configs())));
                try {
                    result.all().get(config.startTimeout().toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new StackException("creating topic " + topic.name() + " failed: "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new StackException("creating topics took longer than " + config.startTimeout().toSeconds() + " s", e);
        }
    }

    private void writeAddresses() {
        var text = "# The embedded stack running on this work dir; removed when it stops.\n"
                + "bootstrap.servers=" + bootstrapServers() + "\n"
                + "registry.url=" + registryUrl() + "\n"
                + "ccompat.url=" + ccompatUrl() + "\n"
                + "registry.pid=" + registryPid() + "\n"
                + "pid=" + ProcessHandle.current().pid() + "\n";
        try {
            Files.writeString(config.workDir().resolve(ADDRESSES_FILE), text);
        } catch (IOException e) {
            throw new StackException("cannot write " + config.workDir().resolve(ADDRESSES_FILE) + ": " + e.getMessage(), e);
        }
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /**
     * {@code 127.0.0.1:PORT} of the SASL_PLAINTEXT listener (mechanism PLAIN, the user of
     * {@link StackConfig#saslPlain()}); throws when the stack was started without one.
     */
    public String saslBootstrapServers() {
        if (broker.saslBootstrapServers() == null) {
            throw new StackException("this stack has no SASL listener: start it with StackConfig.withSaslPlain(...)");
        }
        return broker.saslBootstrapServers();
    }

    /** The registry's base URL, {@code http://127.0.0.1:PORT}. */
    public String registryUrl() {
        return registry.baseUrl();
    }

    /** The registry's Confluent-compatible API, {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String ccompatUrl() {
        return registry.ccompatUrl();
    }

    public StackConfig config() {
        return config;
    }

    /** The registry's log file in the work dir. */
    public Path registryLog() {
        return config.workDir().resolve(REGISTRY_LOG);
    }

    /** The registry's process id (it is a child process of this JVM). */
    public long registryPid() {
        return registry.pid();
    }

    /** From the broker's start to it answering, topics created. */
    public Duration brokerStartTime() {
        return brokerStartTime;
    }

    /** From launching the registry to it answering (it starts alongside the broker). */
    public Duration registryStartTime() {
        return registryStartTime;
    }

    /**
     * Stops the broker and starts it again on the same ports and data (what a broker restart in production looks
     * like to clients: connections drop, then the same address answers again with every record kept).
     *
     * @param down how long the broker stays stopped
     */
    public synchronized void restartBroker(Duration down) {
        broker.close();
        try {
            Thread.sleep(down);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while the broker was down", e);
        }
        broker = KafkaBroker.start(config.workDir().resolve(KAFKA_DIR), brokerPorts[0], brokerPorts[1],
                config.saslPlain(), brokerPorts[2], config.startTimeout());
    }

    /** Stops the registry and the broker; data stays in the work dir. Safe to call more than once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(config.workDir().resolve(ADDRESSES_FILE));
        } catch (IOException e) {
            // Stale addresses are harmless: whoever reads them finds nothing listening.
        }
        try {
            registry.close();
        } finally {
            broker.close();
        }
    }
}
