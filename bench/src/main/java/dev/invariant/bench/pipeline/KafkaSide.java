package dev.invariant.bench.pipeline;

import dev.invariant.cli.KafkaOptions;
import dev.invariant.cli.RequestRecords;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Side B: requests produced to {@code invariant.requests} with the CLI's producer settings, completions read from
 * {@code invariant.completions} by a consumer that follows the topic for the whole run (one producer and one
 * consumer, both warm, as a client application would keep them). Latency is client-side: just before
 * {@code send} to the poll that returned the completion.
 *
 * <p>Where the time goes, per request (wall clock, one machine): inbound = the worker's consume time (the
 * completion's CreateTime minus the worker's own e2e) minus our send time; worker = the worker's e2e (consumed to
 * completion made, the engine included); outbound = our receive time minus the completion's CreateTime.
 */
final class KafkaSide implements AutoCloseable {
    static final String NAME = "kafka";
    private static final long TIMEOUT_S = 600;

    private final KafkaProducer<String, InferenceRequest> producer;
    private final KafkaConsumer<String, Completion> consumer;
    private final String model;
    private final Thread poller;
    private final AtomicReference<Pending> current = new AtomicReference<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closing;

    /** What one trial waits for; filled in by the poller thread. */
    private record Pending(String tag, long[] receivedNs, double[] receivedWallMs, long[] createTimeMs,
                           Completion[] completions, CountDownLatch latch) {
    }

    KafkaSide(KafkaOptions kafka, String model, java.util.Map<String, String> producerExtra) {
        this.model = model;
        var props = kafka.producer();
        props.putAll(producerExtra);
        this.producer = new KafkaProducer<>(props);
        this.consumer = new KafkaConsumer<>(kafka.consumer(Completion.class, false));
        List<TopicPartition> parts = consumer.partitionsFor(Topics.COMPLETIONS, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // fix the start before anything is sent
        this.poller = Thread.ofPlatform().name("bench-completions").daemon().start(this::poll);
    }

    private void poll() {
        try {
            while (!closing) {
                for (ConsumerRecord<String, Completion> rec : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    double wall = wallMs();
                    Pending p = current.get();
                    String id = rec.key();
                    if (p == null || id == null || !id.startsWith(p.tag() + "-")) continue;
                    int i = Workload.index(id);
                    if (p.completions()[i] != null) continue; // a duplicate: the first one counts
                    p.receivedNs()[i] = now;
                    p.receivedWallMs()[i] = wall;
                    p.createTimeMs()[i] = rec.timestamp();
                    p.completions()[i] = rec.value();
                    p.latch().countDown();
                }
            }
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            consumer.close();
        }
    }

    Trial run(String tag, List<Request> requests, Arrival arrival, int repeat, int maxTokens) throws InterruptedException {
        int n = requests.size();
        var records = requests.stream().map(r -> RequestRecords.of(r, model, Numerics.portable, false)).toList();
        var pending = new Pending(tag, new long[n], new double[n], new long[n], new Completion[n], new CountDownLatch(n));
        current.set(pending);
        long[] sent = new long[n];
        double[] sentWallMs = new double[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            arrival.awaitTurn(start, i);
            InferenceRequest r = records.get(i);
            sent[i] = System.nanoTime();
            sentWallMs[i] = wallMs();
            producer.send(new ProducerRecord<>(Topics.REQUESTS, r.getRequestId(), r), (meta, e) -> {
                if (e != null) failure.compareAndSet(null, e);
            });
        }
        producer.flush();
        if (!pending.latch().await(TIMEOUT_S, TimeUnit.SECONDS) || failure.get() != null) {
            throw new EngineException(ErrorCode.INTERNAL, "kafka trial " + tag + ": " + pending.latch().getCount()
                    + " of " + n + " completions missing after " + TIMEOUT_S + " s" + (failure.get() == null ? ""
                    : " (" + failure.get() + ")") + ": see the worker log");
        }
        current.set(null);
        long end = 0;
        long[] latency = new long[n];
        String[] hashes = new String[n];
        double[][] breakdown = new double[n][];
        long tokens = 0;
        for (int i = 0; i < n; i++) {
            Completion c = pending.completions()[i];
            if (c.getError() != null || c.getTokenIds().size() != maxTokens) {
                throw new EngineException(ErrorCode.INTERNAL, "completion " + c.getRequestId() + " did not carry "
                        + maxTokens + " tokens: " + c.getError());
            }
            latency[i] = pending.receivedNs()[i] - sent[i];
            hashes[i] = c.getOutputHash();
            tokens += c.getTokenIds().size();
            end = Math.max(end, pending.receivedNs()[i]);
            double created = pending.createTimeMs()[i];
            double worker = c.getTimings().getE2eMs();
            breakdown[i] = new double[] {created - worker - sentWallMs[i], worker, pending.receivedWallMs()[i] - created};
        }
        return new Trial(NAME, arrival, repeat, end - sent[0], latency, hashes, tokens, breakdown);
    }

    private static double wallMs() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1e3 + t.getNano() / 1e6;
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        poller.join();
        producer.close();
    }
}
