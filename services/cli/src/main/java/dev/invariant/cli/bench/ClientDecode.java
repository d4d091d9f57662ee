package dev.invariant.cli.bench;

import dev.invariant.cli.KafkaOptions;
import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The benchmark client's decoding of an answer, timed apart from the hops: its consumer hands over the value's bytes
 * and the client decodes them here, as its Avro deserializer would have inside {@code poll()}. An answer is still
 * stamped after its decoding (the round trip is what a client of the topic sees), and each path's decoding times are
 * kept, so the report can say how much of the pipeline's extra time is the client reading a Completion, which is
 * larger than the request the echo sends back.
 */
final class ClientDecode<T extends SpecificRecord> {
    private final ConfluentAvroDeserializer<T> avro = new ConfluentAvroDeserializer<>();
    private final Latencies decodeMs = new Latencies();
    private final Latencies arrivalMs = new Latencies();
    private final Properties consumerSettings;

    /** For answers of {@code type}: the client's own consumer settings, its Avro part configured here. */
    ClientDecode(KafkaOptions kafka, Class<T> type) {
        consumerSettings = kafka.consumer(type, false);
        Map<String, Object> avroSettings = new HashMap<>();
        consumerSettings.forEach((k, v) -> avroSettings.put((String) k, v));
        avro.configure(avroSettings, false);
        consumerSettings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    }

    /** The consumer's settings: the client's, with raw values. */
    Properties consumerSettings() {
        return consumerSettings;
    }

    /** A consumer whose values this decodes. */
    KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(consumerSettings);
    }

    /** The value decoded, and the time it took in ns. */
    record Decoded<T>(T value, long nanos) {
    }

    Decoded<T> decode(String topic, byte[] bytes) {
        long t0 = System.nanoTime();
        T value = avro.deserialize(topic, bytes);
        return new Decoded<>(value, System.nanoTime() - t0);
    }

    /** A measured answer's round trip (ms, decoding included) and its decoding time. */
    void measured(double roundTripMs, long decodeNanos) {
        double decode = decodeNanos / 1e6;
        decodeMs.add(decode);
        arrivalMs.add(roundTripMs - decode);
    }

    /** p50 of the client's decoding of a measured answer (ms). */
    double decodeP50() {
        return decodeMs.percentile(50);
    }

    /** p50 of the round trip up to the answer's bytes, before the client decodes them (ms). */
    double arrivalP50() {
        return arrivalMs.percentile(50);
    }

    void close() {
        avro.close();
    }
}
