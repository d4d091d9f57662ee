package dev.invariant.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one node), run in this JVM with Apache
 * Kafka's own server classes. Its storage is formatted on first use and reused afterwards.
 */
final class KafkaBroker implements AutoCloseable {
    private static final String CONTROLLER = "CONTROLLER";
    private static final int NODE_ID = 1;

    private static final String SASL = "SASL_PLAINTEXT";

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final String saslBootstrapServers;

    private KafkaBroker(KafkaRaftServer server, String bootstrapServers, String saslBootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.saslBootstrapServers = saslBootstrapServers;
    }

    /**
     * Formats {@code dataDir} when it is new, starts the broker and returns once it answers an admin request.
     * With {@code sasl} (and {@code saslPort}), a SASL_PLAINTEXT listener (mechanism PLAIN) serves that user too.
     */
    static KafkaBroker start(Path dataDir, int port, int controllerPort, StackConfig.SaslPlain sasl, int saslPort,
                             Duration timeout) {
        String bootstrap = "127.0.0.1:" + port;
        var props = properties(dataDir, port, controllerPort);
        if (sasl != null) addSaslListener(props, sasl, saslPort);
        var config = KafkaConfig.fromProps(props, false);
        formatIfNew(dataDir);
        sayWhyOnFatalExit();
        var server = new KafkaRaftServer(config, Time.SYSTEM);
        var broker = new KafkaBroker(server, bootstrap, sasl == null ? null : "127.0.0.1:" + saslPort);
        try {
            server.startup();
            broker.awaitReady(timeout);
            return broker;
        } catch (RuntimeException e) {
            broker.close();
            throw new StackException("the Kafka broker did not start on " + bootstrap + " (data in " + dataDir
                    + "): " + e.getMessage() + ". Is the port free? Pick another with --kafka-port, or 0.", e);
        }
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** The SASL_PLAINTEXT listener's address, or null when it was not asked for. */
    String saslBootstrapServers() {
        return saslBootstrapServers;
    }

    private static void addSaslListener(Properties p, StackConfig.SaslPlain user, int port) {
        String address = SASL + "://127.0.0.1:" + port;
        p.put("listeners", p.getProperty("listeners") + "," + address);
        p.put("advertised.listeners", p.getProperty("advertised.listeners") + "," + address);
        p.put("listener.security.protocol.map", p.getProperty("listener.security.protocol.map") + "," + SASL + ":" + SASL);
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + user.user() + "=\""
                        + user.password() + "\";");
    }

    private static Properties properties(Path dataDir, int port, int controllerPort) {
        var p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(NODE_ID)),
                Map.entry("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + "," + CONTROLLER + "://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", CONTROLLER),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER + ":PLAINTEXT"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", dataDir.toString()),
                // One node: every internal topic has one replica.
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                // Fewer internal partitions: the first consumer group and producer id come up in a fraction of the time.
                Map.entry("offsets.topic.num.partitions", "4"),
                Map.entry("transaction.state.log.num.partitions", "4"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // The log cleaner's key map is one heap buffer, 128 MB by default: a quarter of a test JVM's heap for
                // a few compacted internal topics. 4 MB holds ~170,000 keys per cleaning pass.
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(4 << 20))));
        return p;
    }

    /**
     * Kafka ends the process on a fault it deems fatal (an error in its metadata or raft threads, every log dir
     * offline) by {@code Exit.halt(1)}, logging the cause through slf4j only. An application embedding the broker
     * may have no slf4j provider; then the JVM vanished without a word. This says on stderr which thread ended it.
     */
    private static void sayWhyOnFatalExit() {
        Exit.setHaltProcedure((status, message) -> {
            System.err.println(fatalExitMessage("halted", status, message));
            Runtime.getRuntime().halt(status);
        });
        Exit.setExitProcedure((status, message) -> {
            System.err.println(fatalExitMessage("exited", status, message));
            System.exit(status);
        });
    }

    static String fatalExitMessage(String how, int status, String message) {
        return "invariant-stack: the embedded Kafka broker " + how + " this JVM with status " + status + " from thread '"
                + Thread.currentThread().getName() + "'" + (message == null ? "" : ": " + message)
                + ". The cause is in the broker's slf4j log (kafka.log in the work dir under `invariant stack`); an"
                + " OutOfMemoryError there means the JVM needs a larger -Xmx.";
    }

    private static void formatIfNew(Path dataDir) {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(dataDir);
            new Formatter()
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setDirectories(List.of(dataDir.toString()))
                    .setMetadataLogDirectory(dataDir.toString())
                    .setControllerListenerName(CONTROLLER)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .run();
        } catch (IOException e) {
            throw new StackException("cannot create the broker's data dir " + dataDir + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new StackException("formatting the broker's storage in " + dataDir + " failed: " + e.getMessage()
                    + ". Remove the folder to start from empty storage.", e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 4_000))) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(4, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    // Not answering yet.
                }
                if (System.nanoTime() > deadline) {
                    throw new StackException("no answer to describeCluster within " + timeout.toSeconds() + " s");
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for the broker", e);
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
