package dev.invariant.worker.kafka;

import dev.invariant.worker.config.DeliveryGuarantee;
import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.EngineService;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * The Kafka front door: one thread polls the requests topic and hands the records straight to the engine (decoded
 * on this thread, then a poll's requests submitted at once, so they start in the same engine step; no hand-off
 * between the poll and the engine's queue: docs/benchmarks.md); when the engine is idle this thread runs their
 * first step itself rather than waking the engine thread ({@link dev.invariant.engine.Engine#submitAllAndStep}), and
 * polls again once it is done. Before its first poll it runs the {@link Warmup}.
 *
 * <p>Back-pressure: a record is taken only with an admission permit. Records of a poll that find the engine full
 * wait in a backlog (one poll's worth at most) while every assigned partition is paused; the consumer keeps
 * polling (so it stays in the group) and resumes once the backlog is admitted. A registry outage holds the record
 * at the backlog's head, and its permit, and retries it every second.
 *
 * <p>Commits: {@link Offsets} per partition; under at-least-once the offset committed is never past a record whose
 * completion (or dead letter) the broker has not acknowledged: every 100 ms, when partitions are revoked and when
 * the intake stops. Under exactly-once each poll's outcomes are written with its offsets in one transaction
 * ({@link TransactionalOutbox}), transactions in poll order, and the consumer itself commits nothing.
 */
@ApplicationScoped
public class Intake {
    private static final Logger LOG = Logger.getLogger(Intake.class);
    private static final long COMMIT_EVERY_NS = 100_000_000L;
    private static final long REGISTRY_RETRY_NS = 1_000_000_000L;
    private static final Duration POLL = Duration.ofMillis(100);
    // While the backlog waits for a permit: how soon a freed permit is noticed.
    private static final Duration WAITING_POLL = Duration.ofMillis(5);
    private static final Duration CLOSE = Duration.ofSeconds(2);

    private final RequestConsumer requests;
    private final Publisher publisher;
    private final EngineService engines;
    private final WorkerConfig config;
    private final KafkaSettings settings;
    private final TransactionalOutbox outbox;
    private final RecordCodec codec;
    private final boolean exactlyOnce;

    // The intake thread's own state.
    private KafkaConsumer<byte[], byte[]> consumer;
    private final ArrayDeque<Pending> backlog = new ArrayDeque<>();
    private final Map<TopicPartition, Offsets> offsets = new HashMap<>();
    private CompletableFuture<Void> permit;
    private boolean permitHeld;
    private long retryAt;
    private long lastCommit;
    private boolean closing;
    // Exactly-once: each poll's transaction follows the previous poll's, whatever order their requests finish in.
    private volatile CompletableFuture<Void> transactions = CompletableFuture.completedFuture(null);
    private volatile ConsumerGroupMetadata group;

    private volatile boolean running;
    private volatile boolean started;
    private volatile boolean stopped;
    private volatile Throwable failed;
    private Thread thread;

    /** A polled record not yet handed to the engine; {@code batch} is its poll's under exactly-once. */
    private record Pending(ConsumerRecord<byte[], byte[]> record, Offsets offsets, PollBatch batch) {
    }

    public Intake(RequestConsumer requests, Publisher publisher, EngineService engines, WorkerConfig config,
                  KafkaSettings settings, TransactionalOutbox outbox, RecordCodec codec) {
        this.requests = requests;
        this.publisher = publisher;
        this.engines = engines;
        this.config = config;
        this.settings = settings;
        this.outbox = outbox;
        this.codec = codec;
        this.exactlyOnce = DeliveryGuarantee.of(config).exactlyOnce();
    }

    void onStart(@Observes StartupEvent event) {
        running = true;
        thread = Thread.ofPlatform().name("invariant-intake").daemon().start(this::run);
    }

    /** Up unless the intake stopped on an error (a request whose outcome could not be made, a client failure). */
    public boolean alive() {
        return failed == null;
    }

    /** Taking requests: started, not stopped, not failed. */
    public boolean running() {
        return started && !stopped && failed == null;
    }

    /**
     * Stops polling and commits what is done (shutdown), within {@code budget}. Records not done are handed back:
     * their offsets stay uncommitted and the group re-runs them.
     */
    public void close(Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        running = false;
        if (thread == null) return;
        try {
            thread.join(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
            if (exactlyOnce) transactions.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warnf("the last transactions did not commit in time (%s); their requests will be re-run", e);
        }
    }

    @PreDestroy
    void destroy() {
        close(CLOSE.multipliedBy(2));
    }

    private void run() {
        try {
            Warmup.run(engines, config.warmup(), () -> running);
            consumer = new KafkaConsumer<>(settings.consumer(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer.subscribe(List.of(config.topics().requests()), new Rebalance());
            started = true;
            while (running && failed == null) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(backlog.isEmpty() ? POLL : WAITING_POLL);
                if (exactlyOnce) group = consumer.groupMetadata();
                take(polled);
                admit();
                flowControl();
                if (!exactlyOnce) commit(false);
            }
        } catch (RuntimeException e) {
            failed = e;
            LOG.errorf(e, "the request intake stopped");
        } finally {
            closing = true;
            if (consumer != null) {
                handBack(List.copyOf(offsets.keySet()), true);
                try {
                    consumer.close(CLOSE);
                } catch (RuntimeException e) {
                    LOG.warnf("closing the requests consumer: %s", e);
                }
            }
            stopped = true;
        }
    }

    private void take(ConsumerRecords<byte[], byte[]> polled) {
        if (polled.isEmpty()) return;
        PollBatch batch = exactlyOnce ? new PollBatch(new TransactionBatch(config, codec), polled.count())
                : null;
        var ends = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            var tp = new TopicPartition(r.topic(), r.partition());
            Offsets o = offsets.computeIfAbsent(tp, t -> new Offsets());
            o.taken(r.offset());
            backlog.add(new Pending(r, o, batch));
            ends.put(tp, new OffsetAndMetadata(r.offset() + 1));
        }
        if (batch != null) {
            transactions = transactions.thenCombine(batch.all(), (a, b) -> (Void) null)
                    .thenCompose(v -> outbox.commit(batch.gathered().records(), ends, () -> group));
        }
    }

    /**
     * Hands backlog records to the engine in order while permits are free: all of them read first, then started
     * together ({@link RequestConsumer#start}), so a poll's requests share the engine's next step.
     */
    private void admit() {
        var reads = new ArrayList<RequestConsumer.Read>();
        try {
            read(reads);
        } finally {
            requests.start(reads);
        }
    }

    private void read(List<RequestConsumer.Read> reads) {
        while (!backlog.isEmpty()) {
            if (retryAt != 0 && System.nanoTime() < retryAt) return;
            retryAt = 0;
            if (!permitHeld) {
                if (permit == null) permit = engines.admission().acquire();
                if (!permit.isDone()) return;
                permit = null;
                permitHeld = true;
            }
            Pending p = backlog.peek();
            OutcomeSink sink = p.batch() == null ? publisher : p.batch().gathered();
            if (!requests.read(p.record(), System.nanoTime(), sink, () -> finished(p), e -> failed = e, reads)) {
                retryAt = System.nanoTime() + REGISTRY_RETRY_NS;
                return;
            }
            backlog.poll();
            permitHeld = false;
        }
        if (permitHeld) { // the record it was taken for was handed back in a rebalance
            permitHeld = false;
            engines.admission().release();
        }
    }

    /** Runs when a record's outcome is acknowledged (any thread). */
    private static void finished(Pending p) {
        p.offsets().done(p.record().offset());
        if (p.batch() != null) p.batch().recordDone();
    }

    /** Paused while the backlog waits, so the consumer fetches nothing more. */
    private void flowControl() {
        var assigned = consumer.assignment();
        if (!backlog.isEmpty()) {
            if (consumer.paused().size() < assigned.size()) consumer.pause(assigned);
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void commit(boolean now) {
        long t = System.nanoTime();
        if (!now && t - lastCommit < COMMIT_EVERY_NS) return;
        lastCommit = t;
        commit(offsets.keySet(), now);
    }

    private void commit(Collection<TopicPartition> parts, boolean sync) {
        var trackers = new HashMap<TopicPartition, Offsets>();
        var m = new HashMap<TopicPartition, OffsetAndMetadata>();
        for (TopicPartition tp : parts) {
            Offsets o = offsets.get(tp);
            long c = o == null ? -1 : o.toCommit();
            if (c < 0) continue;
            trackers.put(tp, o);
            m.put(tp, new OffsetAndMetadata(c));
        }
        if (m.isEmpty()) return;
        if (!sync) {
            consumer.commitAsync(m, (done, e) -> {
                if (e == null) done.forEach((tp, om) -> trackers.get(tp).committed(om.offset()));
                else LOG.warnf("committing offsets %s failed (tried again later): %s", m, e.toString());
            });
            return;
        }
        try {
            consumer.commitSync(m, CLOSE);
            m.forEach((tp, om) -> trackers.get(tp).committed(om.offset()));
        } catch (KafkaException e) {
            LOG.warnf("committing offsets %s failed: %s; the group re-runs the requests past the committed offsets",
                    m, e.toString());
        }
    }

    /**
     * Partitions leave this worker (a rebalance, or the intake stopping): what is done is committed, their
     * records still in the backlog are dropped (the new owner reads them), and records of theirs still running
     * finish but are no longer counted here.
     */
    private void handBack(Collection<TopicPartition> parts, boolean commit) {
        if (exactlyOnce && !closing && (!transactions.isDone() || parts.stream()
                .anyMatch(tp -> offsets.containsKey(tp) && offsets.get(tp).busy()))) {
            // Its running requests' transaction could commit offsets another worker now reads past: only a fresh
            // start from the committed offsets keeps every record exactly once.
            LOG.errorf("partitions %s revoked while their requests run: exiting; the group re-runs everything past"
                    + " the committed offsets", parts);
            Runtime.getRuntime().halt(4);
        }
        if (commit && !exactlyOnce) commit(parts, true);
        backlog.removeIf(p -> parts.contains(new TopicPartition(p.record().topic(), p.record().partition())));
        if (backlog.isEmpty()) retryAt = 0;
        parts.forEach(offsets::remove);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            handBack(parts, true);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            handBack(parts, false);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            parts.forEach(tp -> offsets.put(tp, new Offsets()));
            // Still waiting for a permit: the new partitions wait too.
            if (!backlog.isEmpty()) consumer.pause(parts);
        }
    }
}
