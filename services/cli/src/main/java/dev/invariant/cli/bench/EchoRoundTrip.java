package dev.invariant.cli.bench;

import dev.invariant.cli.ServiceJvm;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.SendStamp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * using the worker's client settings (acks=all, idempotent, linger 0). The echo runs on a thread of the bench's own
 * JVM (which also hosts the broker), or in a JVM of its own ({@link #main}), as the worker does. The client sends the
 * pipeline's Avro request and reads the echoed bytes back as one, so its own work (serialising, deserialising) is the
 * pipeline client's, not 96 raw bytes.
 */
public final class EchoRoundTrip implements Interleaving.Path, AutoCloseable {
    static final String REQUESTS = "bench.echo.requests";
    static final String REPLIES = "bench.echo.replies";

    private final KafkaProducer<String, InferenceRequest> client;
    private final KafkaConsumer<String, byte[]> replies;
    private final ClientDecode<InferenceRequest> decoder;
    private final SendSplit split = new SendSplit();
    private final int maxTokens;
    private Interleaving answers;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread echo;
    private final Process process;

    /** @param ownProcess the echo in a JVM of its own (started here, stopped by {@link #close}) */
    EchoRoundTrip(String bootstrap, String registryUrl, int maxTokens, boolean ownProcess) throws IOException {
        var kafka = WorkerRoundTrip.clients(bootstrap, registryUrl);
        this.maxTokens = maxTokens;
        client = new KafkaProducer<>(kafka.producer());
        decoder = new ClientDecode<>(kafka, InferenceRequest.class);
        replies = decoder.consumer();
        WorkerRoundTrip.atEnd(replies, REPLIES);
        if (ownProcess) {
            echo = null;
            var cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(ServiceJvm.options()); // the worker's JVM options: the baseline runs as the worker does
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EchoRoundTrip.class.getName(), bootstrap));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // It prints one line once its consumer is at the end of the topic: nothing sent before is missed.
            String line = new BufferedReader(new InputStreamReader(process.getInputStream())).readLine();
            if (!"ready".equals(line)) throw new IOException("the echo process did not start: " + line);
        } else {
            process = null;
            var in = consumer(bootstrap, REQUESTS);
            var out = producer(bootstrap);
            echo = Thread.ofPlatform().name("bench-echo").daemon().start(() -> {
                try (in; out) {
                    echoLoop(in, out, running);
                }
            });
        }
    }

    /**
     * The echo as a process of its own: {@code java -cp CLI_JAR ...EchoRoundTrip BOOTSTRAP}; runs until killed or
     * until its standard input closes, which happens when the benchmark's process ends however it ends.
     */
    public static void main(String[] args) {
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (System.in.read() != -1) {
                    // nothing is ever written: this waits for the end of the stream
                }
            } catch (IOException e) {
                // the parent is gone as well
            }
            System.exit(0);
        });
        try (var in = consumer(args[0], REQUESTS); var out = producer(args[0])) {
            System.out.println("ready");
            System.out.flush();
            echoLoop(in, out, new AtomicBoolean(true));
        }
    }

    private static void echoLoop(KafkaConsumer<byte[], byte[]> in, KafkaProducer<byte[], byte[]> out,
                                 AtomicBoolean running) {
        while (running.get()) {
            for (var r : in.poll(Duration.ofMillis(100))) {
                // stamped as the worker's records are under bench-pipeline (invariant.diagnostics.send-stamp)
                out.send(new ProducerRecord<>(REPLIES, null, r.key(), r.value(), List.of(SendStamp.now())));
            }
        }
    }

    /** Where answers are reported; set before the first send. */
    void answersTo(Interleaving answers) {
        this.answers = answers;
    }

    SendSplit split() {
        return split;
    }

    ClientDecode<InferenceRequest> decoding() {
        return decoder;
    }

    @Override
    public void send(String id) {
        client.send(new ProducerRecord<>(REQUESTS, id, WorkerRoundTrip.request(id, maxTokens)));
    }

    @Override
    public void receiveOnce() {
        for (var r : replies.poll(Duration.ofMillis(100))) {
            long nanos = decoder.decode(r.topic(), r.value()).nanos();
            long now = System.nanoTime();
            double ms = answers.answered(r.key(), now);
            if (Double.isNaN(ms)) continue;
            decoder.measured(ms, nanos);
            split.add(r.headers(), ms - nanos / 1e6, now - nanos, 0);
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
            if (echo != null) echo.join(2000);
            if (process != null) {
                process.destroy();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (process != null) process.destroyForcibly();
        }
        replies.close();
        decoder.close();
        client.close();
    }
}
