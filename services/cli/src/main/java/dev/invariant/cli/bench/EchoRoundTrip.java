package dev.invariant.cli.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The bare broker round trip the pipeline is compared with: the same two hops (a record to a topic, a service that
 * consumes it and produces an answer, a client that consumes the answer) with a service that does nothing but echo,
 * using the worker's client settings (acks=all, idempotent, linger 0).
 */
final class EchoRoundTrip implements AutoCloseable {
    static final String REQUESTS = "bench.echo.requests";
    static final String REPLIES = "bench.echo.replies";

    private final KafkaConsumer<byte[], byte[]> echoIn;
    private final KafkaProducer<byte[], byte[]> echoOut;
    private final KafkaProducer<byte[], byte[]> client;
    private final KafkaConsumer<byte[], byte[]> replies;
    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread echo;

    EchoRoundTrip(String bootstrap) {
        echoIn = consumer(bootstrap, REQUESTS);
        replies = consumer(bootstrap, REPLIES);
        echoOut = producer(bootstrap);
        client = producer(bootstrap);
        echo = Thread.ofPlatform().name("bench-echo").daemon().start(() -> {
            while (running.get()) {
                for (var r : echoIn.poll(Duration.ofMillis(100))) echoOut.send(new ProducerRecord<>(REPLIES, r.key(), r.value()));
            }
        });
    }

    void send(String id, byte[] value) {
        sent.put(id, System.nanoTime());
        client.send(new ProducerRecord<>(REQUESTS, id.getBytes(), value));
    }

    /** Polls answers once, adding each measured one's round trip to {@code into} and {@code window}. */
    void poll(Latencies into, LoadSeries window) {
        for (var r : replies.poll(Duration.ofMillis(100))) {
            String id = new String(r.key());
            Long t0 = sent.remove(id);
            if (t0 != null && id.startsWith("m-")) {
                double ms = (System.nanoTime() - t0) / 1e6;
                into.add(ms);
                window.add(ms);
            }
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic) {
        var c = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        return c;
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG,
                "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public void close() {
        running.set(false);
        try {
            echo.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        echoIn.close();
        replies.close();
        echoOut.close();
        client.close();
    }
}
