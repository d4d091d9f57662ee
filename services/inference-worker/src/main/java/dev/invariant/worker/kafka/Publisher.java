package dev.invariant.worker.kafka;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.SendStamp;
import dev.invariant.worker.config.WorkerConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

/**
 * Publishes completions, chunks and dead letters through one idempotent producer ({@code acks=all}, the
 * {@code mp.messaging.outgoing.out.*} settings). Each returned future completes when the broker has acknowledged
 * the record (in the producer's callback, on its network thread), which is when the request's offset may be
 * committed. A record that cannot be sent (registry or broker unavailable) is retried until it is sent: nothing is
 * dropped.
 *
 * <p>A record is encoded and given to the producer on the caller's thread (the engine's), with no thread between
 * the engine and the producer (docs/benchmarks.md), when its topic's schema is registered, its topic has been
 * written to before (so {@code send} finds the topic's metadata and cannot block on it) and no earlier record
 * waits to be handed over. Any other record goes to the one publishing thread, and so does every record after it
 * until it has been handed over, so the engine thread never waits on the registry or the broker and a request's
 * chunks and completion still leave in the order they were made.
 */
@ApplicationScoped
public class Publisher implements OutcomeSink {
    private static final Logger LOG = Logger.getLogger(Publisher.class);
    private static final long RETRY_MS = 1000;

    private final WorkerConfig config;
    private final RecordCodec codec;
    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("invariant-publish").daemon().factory());
    private final AtomicInteger unacknowledged = new AtomicInteger();
    // Records given to send() and not yet handed to the producer (waiting for the publishing thread or a retry).
    private final AtomicInteger notHandedOver = new AtomicInteger();
    // Topics a record was acknowledged on: the producer has their metadata.
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    // invariant.diagnostics.send-stamp: the monotonic clock on each record, right before its send
    private final boolean sendStamp;

    public Publisher(WorkerConfig config, RecordCodec codec, KafkaSettings settings) {
        this.config = config;
        this.sendStamp = config.diagnostics().sendStamp();
        this.codec = codec;
        this.producer = new KafkaProducer<>(settings.producer(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * The completion on the completions topic and, when the request named one, on its reply topic with the
     * correlation id copied; completes when every copy is acknowledged.
     */
    @Override
    public CompletableFuture<Void> completion(Completion c, ReplyTarget reply) {
        return CompletableFuture.allOf(Outgoing.completion(config, codec, c, reply).stream().map(this::send)
                .toArray(CompletableFuture[]::new));
    }

    public CompletableFuture<Void> chunk(CompletionChunk c) {
        String topic = config.topics().chunks();
        return send(topic, -1, utf8(c.getRequestId()), () -> codec.encode(topic, c), List.of());
    }

    @Override
    public CompletableFuture<Void> deadLetter(DeadLetter d, List<RecordHeader> headers) {
        return send(Outgoing.deadLetter(config, codec, d, headers));
    }

    /** Records handed to the producer and not yet acknowledged. */
    public int unacknowledged() {
        return unacknowledged.get();
    }

    /** Waits until every record handed over has been acknowledged, at most {@code timeoutMs}. */
    public boolean awaitAcknowledged(long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (unacknowledged.get() > 0 && System.currentTimeMillis() < end) Thread.sleep(20);
        return unacknowledged.get() == 0;
    }

    private CompletableFuture<Void> send(Outgoing o) {
        return send(o.topic(), o.partition(), o.key(), o.value(), o.headers());
    }

    /** Sends on this thread when nothing waits before it and the encoding asks no registry, else queues it. */
    private CompletableFuture<Void> send(String topic, int partition, byte[] key, Supplier<byte[]> value,
                                         List<RecordHeader> headers) {
        var done = new CompletableFuture<Void>();
        unacknowledged.incrementAndGet();
        done.whenComplete((v, e) -> unacknowledged.decrementAndGet());
        boolean first = notHandedOver.getAndIncrement() == 0;
        if (first && known.contains(topic) && codec.writesWithoutRegistry(topic)) {
            attempt(topic, partition, key, value, headers, done, 1);
        } else {
            thread.execute(() -> attempt(topic, partition, key, value, headers, done, 1));
        }
        return done;
    }

    private void attempt(String topic, int partition, byte[] key, Supplier<byte[]> value, List<RecordHeader> headers,
                         CompletableFuture<Void> done, int attempt) {
        byte[] bytes;
        try {
            bytes = value.get();
        } catch (RuntimeException e) {
            retry(topic, partition, key, value, headers, done, attempt, e);
            return;
        }
        List<Header> all = new ArrayList<>(headers);
        if (sendStamp) all.add(SendStamp.now());
        var record = new ProducerRecord<>(topic, partition < 0 ? null : partition, key, bytes, all);
        try {
            producer.send(record, (meta, e) -> {
                if (e == null) {
                    known.add(topic);
                    done.complete(null);
                    return;
                }
                notHandedOver.incrementAndGet();
                retry(topic, partition, key, value, headers, done, attempt, e);
            });
        } catch (RuntimeException e) {
            retry(topic, partition, key, value, headers, done, attempt, e);
            return;
        }
        notHandedOver.decrementAndGet();
    }

    private void retry(String topic, int partition, byte[] key, Supplier<byte[]> value, List<RecordHeader> headers,
                       CompletableFuture<Void> done, int attempt, Throwable cause) {
        // The producer may have lost the topic's metadata (a broker outage or restart): until a record is
        // acknowledged again, records go to the publishing thread, so the engine thread (and the HTTP answers it
        // completes) does not wait up to max.block.ms in send() for each of them.
        known.remove(topic);
        LOG.warnf("publishing to %s failed (attempt %d), retrying in %d ms: %s", topic, attempt, RETRY_MS, cause);
        thread.schedule(() -> attempt(topic, partition, key, value, headers, done, attempt + 1),
                RETRY_MS, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void close() {
        thread.shutdownNow();
        producer.close(Duration.ofSeconds(2));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
