package dev.invariant.bench.pipeline;

import dev.invariant.cli.KafkaOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The floor under side B: one Kafka hop (produce with the CLI's producer settings, to a consumer polling in this
 * JVM) on the same broker and machine, with no worker and no Avro. A request through the pipeline takes two such
 * hops (request in, completion out), so twice this p50 is what the broker and clients cost before any worker code.
 */
final class HopProbe {
    private static final String TOPIC = "invariant.bench.hop";

    private HopProbe() {
    }

    /** Sends {@code n} small records, one every {@code gapMs}, each after the previous one arrived; returns ns each. */
    static long[] measure(KafkaOptions kafka, int n, long gapMs) throws InterruptedException, ExecutionException {
        Properties admin = new Properties();
        admin.put("bootstrap.servers", kafka.bootstrap());
        try (Admin a = Admin.create(admin)) {
            a.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) throw e; // kept from an earlier run in the work dir
        }
        Properties pp = kafka.producer();
        pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Properties cp = kafka.consumer(Object.class, false);
        cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long[] hops = new long[n];
        try (var producer = new KafkaProducer<byte[], byte[]>(pp); var consumer = new KafkaConsumer<byte[], byte[]>(cp)) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            byte[] payload = new byte[200]; // about an InferenceRequest's size
            for (int i = 0; i < n; i++) {
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(TOPIC, payload));
                boolean got = false;
                while (!got) {
                    for (ConsumerRecord<byte[], byte[]> ignored : consumer.poll(Duration.ofMillis(100))) got = true;
                }
                hops[i] = System.nanoTime() - sent;
                Thread.sleep(gapMs);
            }
        }
        return hops;
    }

    static Map<String, Double> summary(long[] hops) {
        long[] s = hops.clone();
        Arrays.sort(s);
        return Map.of("p50", s[(int) Math.ceil(0.5 * s.length) - 1] / 1e6, "p99", s[(int) Math.ceil(0.99 * s.length) - 1] / 1e6);
    }
}
