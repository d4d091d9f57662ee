package dev.invariant.cli.bench;

import dev.invariant.cli.KafkaOptions;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.Topics;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The path through the worker: an Avro {@code InferenceRequest} (greedy, {@code ignore_eos}, {@code max_tokens} N)
 * produced to the requests topic, its Avro {@code Completion} read back from the completions topic; each measured
 * answer's stages are recorded from the worker's own timings.
 */
final class WorkerRoundTrip implements Interleaving.Path, AutoCloseable {
    private final KafkaProducer<String, InferenceRequest> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final ClientDecode<Completion> decoder;
    private final int maxTokens;
    private final Stages stages = new Stages();
    private final SendSplit split = new SendSplit();
    private Interleaving answers;

    WorkerRoundTrip(String bootstrap, String registryUrl, int maxTokens) {
        var kafka = clients(bootstrap, registryUrl);
        this.maxTokens = maxTokens;
        producer = new KafkaProducer<>(kafka.producer());
        decoder = new ClientDecode<>(kafka, Completion.class);
        consumer = decoder.consumer();
        atEnd(consumer, Topics.COMPLETIONS);
    }

    /** The benchmark client's settings (the CLI's producer and consumer, Avro through the registry). */
    static KafkaOptions clients(String bootstrap, String registryUrl) {
        var kafka = new KafkaOptions();
        kafka.bootstrapServer = bootstrap;
        kafka.registryUrl = registryUrl;
        return kafka;
    }

    /** Assigns partition 0 of {@code topic} at its end: only answers to this run's requests are read. */
    static void atEnd(KafkaConsumer<?, ?> consumer, String topic) {
        var parts = List.of(new TopicPartition(topic, 0));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
    }

    /** The request both paths send: greedy, {@code ignore_eos}, model "" (whatever the worker serves). */
    static InferenceRequest request(String id, int maxTokens) {
        return InferenceRequest.newBuilder().setRequestId(id).setModel("").setPrompt("Once upon a time")
                .setSampling(Sampling.newBuilder().setMaxTokens(maxTokens).setTemperature(0f).setIgnoreEos(true)
                        .build()).build();
    }

    /** Where answers are reported; set before the first send. */
    void answersTo(Interleaving answers) {
        this.answers = answers;
    }

    Stages stages() {
        return stages;
    }

    SendSplit split() {
        return split;
    }

    ClientDecode<Completion> decoding() {
        return decoder;
    }

    @Override
    public void send(String id) {
        producer.send(new ProducerRecord<>(Topics.REQUESTS, id, request(id, maxTokens)));
    }

    @Override
    public void receiveOnce() {
        for (var r : consumer.poll(Duration.ofMillis(100))) {
            var c = decoder.decode(r.topic(), r.value());
            long now = System.nanoTime();
            double ms = answers.answered(r.key(), now);
            if (Double.isNaN(ms)) continue;
            decoder.measured(ms, c.nanos());
            stages.add(ms, System.currentTimeMillis(), r.timestamp(), c.value());
            split.add(r.headers(), ms - c.nanos() / 1e6, now - c.nanos(), c.value().getTimings().getE2eMs());
        }
    }

    @Override
    public void close() {
        consumer.close();
        decoder.close();
        producer.close();
    }
}
