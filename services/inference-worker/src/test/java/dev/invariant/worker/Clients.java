package dev.invariant.worker;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.schemas.serde.SubjectNames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** A plain Kafka producer and topic readers against the test stack, as an outside client uses the pipeline. */
final class Clients implements AutoCloseable {
    final WorkerFixture fixture = WorkerFixture.get();
    final KafkaProducer<byte[], byte[]> producer;
    private final AvroWireCodec<SpecificRecord> writer = new AvroWireCodec<>(null);

    Clients() {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                fixture.stack.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The record in the Confluent wire format, its schema registered under {@code <topic>-value}. */
    byte[] encode(String topic, SpecificRecord r) {
        return writer.encode(register(SubjectNames.of(topic, false), r), r);
    }

    // The embedded registry (in-memory H2) sometimes answers 500 on a lock timeout while busy: retry those.
    private int register(String subject, SpecificRecord r) {
        for (int attempt = 1; ; attempt++) {
            try {
                return fixture.registry.register(subject, r.getSchema());
            } catch (RegistryException e) {
                if (!e.isTransient() || attempt == 5) throw e;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The one completion published for a request id (an HTTP answer's too), waiting up to a minute for it. */
    static Completion published(String requestId) throws Exception {
        try (var clients = new Clients(); var completions = clients.completions()) {
            return completions.awaitCount(c -> c.getRequestId().equals(requestId), 1, java.time.Duration.ofMinutes(1))
                    .getFirst();
        }
    }

    RecordMetadata send(dev.invariant.schemas.InferenceRequest r) {
        return send(new ProducerRecord<>(Topics.REQUESTS, key(r.getRequestId()), encode(Topics.REQUESTS, r)));
    }

    /** Sends every request before waiting for any acknowledgement: they are all in flight at once. */
    void sendAll(List<dev.invariant.schemas.InferenceRequest> requests) {
        var acks = new ArrayList<Future<RecordMetadata>>();
        for (var r : requests) {
            acks.add(producer.send(new ProducerRecord<>(Topics.REQUESTS, key(r.getRequestId()),
                    encode(Topics.REQUESTS, r))));
        }
        for (var a : acks) {
            try {
                a.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError("producing to " + Topics.REQUESTS + " failed", e);
            }
        }
    }

    RecordMetadata sendRaw(String key, byte[] value) {
        return send(new ProducerRecord<>(Topics.REQUESTS, key(key), value));
    }

    RecordMetadata send(ProducerRecord<byte[], byte[]> record) {
        try {
            return producer.send(record).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("producing to " + record.topic() + " failed", e);
        }
    }

    TopicReader<Completion> completions() {
        return reader(Topics.COMPLETIONS, Completion.class);
    }

    <T extends SpecificRecord> TopicReader<T> reader(String topic, Class<T> type) {
        return new TopicReader<>(fixture.stack.bootstrapServers(), topic, type, fixture.registry);
    }

    static byte[] key(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
