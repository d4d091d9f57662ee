package dev.invariant.cli;

import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import dev.invariant.schemas.serde.SerdeConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Option;

/**
 * Where the broker and the schema registry are. Defaults point at the embedded stack: the addresses a running
 * {@code ./invariant stack} wrote to {@code .invariant/stack/stack.properties}, else its default ports.
 */
public final class KafkaOptions {
    private static final Duration BROKER_WAIT = Duration.ofSeconds(10);
    private boolean brokerAnswered;

    @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: the embedded stack's, 127.0.0.1:9092 when none runs).")
    public String bootstrapServer;

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry base URL speaking the Confluent REST API (default: the embedded stack's,"
                    + " http://127.0.0.1:8081/apis/ccompat/v7 when none runs).")
    public String registryUrl;

    public String bootstrap() {
        return bootstrapServer != null ? bootstrapServer : stackAddress("bootstrap.servers", "127.0.0.1:9092");
    }

    public String registry() {
        return registryUrl != null ? registryUrl : stackAddress("ccompat.url", "http://127.0.0.1:8081/apis/ccompat/v7");
    }

    static Path stackDir() {
        return Path.of(System.getProperty("invariant.root", "."), ".invariant", "stack");
    }

    private static String stackAddress(String key, String fallback) {
        Path f = stackDir().resolve("stack.properties");
        if (!Files.isRegularFile(f)) return fallback;
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        } catch (IOException e) {
            return fallback;
        }
        return p.getProperty(key, fallback);
    }

    /**
     * Fails at once, saying what to do, when no broker answers at {@link #bootstrap()}: Kafka's clients would
     * otherwise wait a minute and then blame a missing topic.
     */
    public void requireBroker() {
        if (brokerAnswered) return; // once per command: sendAndAwait, send and each topic snapshot all ask
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) BROKER_WAIT.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) BROKER_WAIT.toMillis());
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster().clusterId().get(BROKER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            brokerAnswered = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError("interrupted while looking for the broker at " + bootstrap());
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw new CliError("no Kafka broker answered at " + bootstrap() + " within " + BROKER_WAIT.toSeconds()
                    + " s: start one with ./invariant stack, or name yours with --bootstrap-server HOST:PORT");
        }
    }

    public Properties producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ConfluentAvroSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Latency first: a request goes out at once (Kafka 4's default waits 5 ms to fill a batch); under load,
        // records still batch while earlier sends are in flight.
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(SerdeConfig.REGISTRY_URL, registry());
        return p;
    }

    public Properties consumer(Class<?> valueType, boolean fromBeginning) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "invariant-cli-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ConfluentAvroDeserializer.class.getName());
        p.put(SerdeConfig.VALUE_TYPE, valueType.getName());
        p.put(SerdeConfig.REGISTRY_URL, registry());
        return p;
    }
}
