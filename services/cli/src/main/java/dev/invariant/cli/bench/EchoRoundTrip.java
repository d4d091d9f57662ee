package dev.invariant.cli.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
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
final class EchoRoundTrip implements Interleaving.Path, AutoCloseable {
    static final String REQUESTS = "bench.echo.requests";
    static final String REPLIES = "bench.echo.replies";

    private final KafkaConsumer<byte[], byte[]> echoIn;
    private final KafkaProducer<byte[], byte[]> echoOut;
    private final KafkaProducer<byte[], byte[]> client;
    private final KafkaConsumer<byte[], byte[]> replies;
    private final byte[] payload = new byte[96];
    private Interleaving answers;
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

    /** Where answers are reported; set before the first send. */
    void answersTo(Interleaving answers) {
        this.answers = answers;
    }

    @Override
    public void send(String id) {
        client.send(new ProducerRecord<>(REQUESTS, id.getBytes(), payload));
    }

    @Override
    public void receiveOnce() {
        for (var r : replies.poll(Duration.ofMillis(100))) answers.answered(new String(r.key()), System.nanoTime());
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
