package dev.invariant.cli;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/** Sends request records (optionally paced) and collects the completions that answer them. */
final class Workload {
    private final KafkaOptions kafka;
    private final String requestsTopic;

    Workload(KafkaOptions kafka, String requestsTopic) {
        this.kafka = kafka;
        this.requestsTopic = requestsTopic;
    }

    /** Sends every record and waits until the broker acknowledged all of them. */
    void send(List<InferenceRequest> records, Double rate, Progress progress) {
        kafka.requireBroker();
        try (KafkaProducer<String, InferenceRequest> producer = new KafkaProducer<>(kafka.producer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < records.size(); i++) {
                if (rate != null && rate > 0) pace(start, i, rate);
                InferenceRequest r = records.get(i);
                acks.add(producer.send(new ProducerRecord<>(requestsTopic, r.getRequestId(), r)));
                progress.update(i + 1, records.size(), 0);
            }
            producer.flush();
            for (Future<RecordMetadata> f : acks) f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new EngineException(ErrorCode.INTERNAL, "the broker at " + kafka.bootstrap() + " refused a record: "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(ErrorCode.INTERNAL, "interrupted while sending");
        }
    }

    /**
     * Sends the records, then follows the completions topic until each request has its completion (the first one
     * counts; a duplicate after a worker restart is reported if its hash differs) or the timeout passes.
     */
    List<Completion> sendAndAwait(List<InferenceRequest> records, Double rate, int timeoutSeconds,
                                  Consumer<Completion> onCompletion, boolean showProgress) {
        Set<String> wanted = new HashSet<>();
        records.forEach(r -> wanted.add(r.getRequestId()));
        Map<String, Completion> got = new LinkedHashMap<>();
        kafka.requireBroker();
        try (KafkaConsumer<String, Completion> consumer = new KafkaConsumer<>(kafka.consumer(Completion.class, false))) {
            List<TopicPartition> parts = consumer.partitionsFor(Topics.COMPLETIONS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // fix the start before anything is sent
            send(records, rate, showProgress ? Progress.sending(System.err, "produce") : Progress.NONE);
            Progress progress = showProgress ? new Progress(System.err, "completions") : Progress.NONE;
            long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
            long tokens = 0;
            while (got.size() < wanted.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Completion> rec : consumer.poll(Duration.ofMillis(200))) {
                    Completion c = rec.value();
                    if (!wanted.contains(c.getRequestId())) continue;
                    Completion first = got.putIfAbsent(c.getRequestId(), c);
                    if (first == null) {
                        tokens += c.getTokenIds().size();
                        onCompletion.accept(c);
                    } else if (first.getOutputHash() != null && !first.getOutputHash().equals(c.getOutputHash())) {
                        System.err.println("warning: " + c.getRequestId() + " was answered twice with different hashes");
                    }
                }
                progress.update(got.size(), wanted.size(), tokens);
            }
            progress.done();
        }
        if (got.size() < wanted.size()) {
            System.err.println("timed out: " + (wanted.size() - got.size()) + " of " + wanted.size()
                    + " requests have no completion yet (is a worker running? ./invariant demo starts one)");
        }
        return new ArrayList<>(got.values());
    }

    private static void pace(long start, int i, double rate) throws InterruptedException {
        long due = start + (long) (i / rate * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
}
