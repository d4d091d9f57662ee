package dev.invariant.cli;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.InferenceRequest;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code verify --follow}: a long-running verifier. Follows the completions topic (consumer group, so instances share
 * the work and a restart resumes), picks a sample of the portable completions by request id, re-executes them on this
 * machine's CPU with one engine kept open, prints a verdict per completion and publishes each mismatch as a
 * {@link ConsistencyEvent} ({@link MismatchEvent}) to the consistency topic.
 *
 * <p>Requests are read from the requests topic starting {@code requestLookbackSeconds} before the oldest completion
 * it has to verify (found by timestamp), never from the topic's beginning: a request is produced before its
 * completion, so an older one cannot belong to it unless the workers were further behind than the look-back.
 */
final class VerifyService {
    private static final int REQUESTS_KEPT = 200_000;
    /** Reading requests catches up at most this long per loop turn, so completions keep being taken. */
    private static final long CATCH_UP_NANOS = 1_000_000_000L;

    /**
     * What to follow and where to publish; {@code max} and {@code idleSeconds} bound a run (null: forever). A
     * completion waits {@code requestWaitSeconds} for its request, which is looked for from
     * {@code requestLookbackSeconds} before the completion on.
     */
    record Settings(String completionsTopic, String requestsTopic, String eventsTopic, String group, double sampleRate,
                    boolean fromBeginning, Integer max, Integer idleSeconds, int requestLookbackSeconds,
                    int requestWaitSeconds) {
    }

    private record Pending(Completion completion, long since) {
    }

    private final KafkaOptions kafka;
    private final Settings s;
    private final PrintStream out;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    private final Map<Reverifier.Status, Integer> counts = new EnumMap<>(Reverifier.Status.class);
    private final Map<String, InferenceRequest> requests = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, InferenceRequest> e) {
            return size() > REQUESTS_KEPT;
        }
    };

    VerifyService(KafkaOptions kafka, Settings settings, PrintStream out) {
        this.kafka = kafka;
        this.s = settings;
        this.out = out;
    }

    /**
     * Whether a completion is in the sample: the first 4 bytes of SHA-256 of its request id, as a fraction of 2^32,
     * below the rate. Every instance and every restart picks the same completions.
     */
    static boolean sampled(String requestId, double rate) {
        if (rate >= 1) return true;
        byte[] h;
        try {
            h = java.security.MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every Java runtime has SHA-256
        }
        long v = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
        return v < rate * 4294967296.0;
    }

    /** Asks the loop to stop and waits (a little) until it has printed its summary: for a shutdown hook. */
    void stop() {
        stop.set(true);
        try {
            finished.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs until stopped, {@code max} verdicts or {@code idleSeconds} without a completion; 1 if one mismatched. */
    int run(EngineConfig config) {
        try {
            return loop(config);
        } finally {
            finished.countDown();
        }
    }

    private int loop(EngineConfig config) {
        Properties cp = kafka.consumer(Completion.class, s.fromBeginning());
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, s.group());
        List<Pending> pending = new ArrayList<>();
        int verdicts = 0;
        long[] lastSeen = {System.nanoTime()};
        try (Engine engine = Engine.open(config);
             KafkaConsumer<String, InferenceRequest> reqs = new KafkaConsumer<>(kafka.consumer(InferenceRequest.class, true));
             KafkaConsumer<String, Completion> comps = new KafkaConsumer<>(cp);
             KafkaProducer<String, ConsistencyEvent> events = new KafkaProducer<>(kafka.producer());
             Reverifier reverifier = new Reverifier(engine)) {
            List<TopicPartition> parts = reqs.partitionsFor(s.requestsTopic(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            reqs.assign(parts);
            var requestsFrom = new RequestWindow(reqs, parts, s.requestLookbackSeconds() * 1000L);
            comps.subscribe(List.of(s.completionsTopic()), IdleClock.restartOnAssignment(lastSeen));
            out.printf("verify --follow: %s, sample rate %s, CPU engine %s; mismatches go to %s%n", s.completionsTopic(),
                    s.sampleRate(), engine.backendDescription(), s.eventsTopic());
            while (!stop.get() && (s.max() == null || verdicts < s.max())) {
                if (requestsFrom.started()) readRequests(reqs);
                for (ConsumerRecord<String, Completion> r : comps.poll(Duration.ofMillis(250))) {
                    Completion c = r.value();
                    lastSeen[0] = System.nanoTime();
                    if (c == null || !NumericsProfile.PORTABLE.wireName().equals(c.getEngine().getNumericsProfile())
                            || !sampled(c.getRequestId(), s.sampleRate())) continue;
                    requestsFrom.cover(r.timestamp());
                    pending.add(new Pending(c, System.nanoTime()));
                }
                List<Completion> ready = takeReady(pending);
                if (!ready.isEmpty()) verdicts += judge(reverifier, ready, events, engine.backendDescription());
                comps.commitSync();
                if (s.idleSeconds() != null && pending.isEmpty()
                        && System.nanoTime() - lastSeen[0] > s.idleSeconds() * 1_000_000_000L) break;
            }
        }
        int ok = counts.getOrDefault(Reverifier.Status.REPRODUCED, 0);
        int bad = counts.getOrDefault(Reverifier.Status.MISMATCH, 0);
        out.printf("%nverified %d: %d reproduced, %d mismatched, %d not verifiable%n", ok + bad, ok, bad,
                counts.getOrDefault(Reverifier.Status.NOT_VERIFIABLE, 0));
        return bad > 0 ? 1 : 0;
    }

    /** Reads what the requests topic has, for at most {@link #CATCH_UP_NANOS}. */
    private void readRequests(KafkaConsumer<String, InferenceRequest> reqs) {
        long end = System.nanoTime() + CATCH_UP_NANOS;
        int got;
        do {
            got = 0;
            for (ConsumerRecord<String, InferenceRequest> r : reqs.poll(Duration.ZERO)) {
                if (r.value() != null) requests.put(r.value().getRequestId(), r.value());
                got++;
            }
        } while (got > 0 && System.nanoTime() < end);
    }

    /** The pending completions that carry their parameters or whose request is known, or that waited long enough. */
    private List<Completion> takeReady(List<Pending> pending) {
        List<Completion> ready = new ArrayList<>();
        long now = System.nanoTime();
        long wait = s.requestWaitSeconds() * 1_000_000_000L;
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.completion().getSampling() != null || requests.containsKey(p.completion().getRequestId())
                    || now - p.since() > wait) {
                ready.add(p.completion());
                it.remove();
            }
        }
        return ready;
    }

    private int judge(Reverifier reverifier, List<Completion> ready, KafkaProducer<String, ConsistencyEvent> events,
                      String cpuBackend) {
        List<Reverifier.Verdict> verdicts = reverifier.verify(ready, requests, Progress.NONE);
        for (int i = 0; i < verdicts.size(); i++) {
            Reverifier.Verdict v = verdicts.get(i);
            counts.merge(v.status(), 1, Integer::sum);
            out.printf("  %-14s %s  %s%n", v.status(), v.requestId(), v.detail());
            if (v.status() == Reverifier.Status.MISMATCH) {
                ConsistencyEvent e = MismatchEvent.of(ready.get(i), v.again(), cpuBackend, System.currentTimeMillis());
                events.send(new ProducerRecord<>(s.eventsTopic(), e.getFingerprint(), e));
            }
        }
        events.flush();
        return verdicts.size();
    }
}
