package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.fail;

import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.serde.AvroWireCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads a whole topic from the beginning, as any outside consumer would, decoding values through the registry. */
final class TopicReader<T extends SpecificRecord> implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroWireCodec<T> codec;
    private final SchemaRegistryClient registry;
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    TopicReader(String bootstrap, String topic, Class<T> type, SchemaRegistryClient registry) {
        this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        this.codec = new AvroWireCodec<>(type);
        this.registry = registry;
    }

    T decode(byte[] value) {
        return codec.decode(value, registry::schemaById);
    }

    /** Polls until {@code done} holds for the decoded values matching {@code filter}, or fails after {@code timeout}. */
    List<T> await(Predicate<T> filter, Predicate<List<T>> done, Duration timeout, Function<List<T>, String> describe) {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<T> matching = values(filter);
            if (done.test(matching)) return matching;
            if (System.nanoTime() > end) fail("timed out after " + timeout + ": " + describe.apply(matching));
            for (var r : consumer.poll(Duration.ofMillis(200))) records.add(r);
        }
    }

    /** Waits for exactly {@code n} matching values (and a short while longer, to catch duplicates). */
    List<T> awaitCount(Predicate<T> filter, int n, Duration timeout) {
        List<T> got = await(filter, l -> l.size() >= n, timeout, l -> l.size() + " of " + n + " records arrived");
        for (int i = 0; i < 3; i++) for (var r : consumer.poll(Duration.ofMillis(200))) records.add(r);
        return values(filter);
    }

    List<T> values(Predicate<T> filter) {
        var out = new ArrayList<T>();
        for (var r : records) {
            T v = decode(r.value());
            if (filter.test(v)) out.add(v);
        }
        return out;
    }

    List<ConsumerRecord<byte[], byte[]>> raw() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
