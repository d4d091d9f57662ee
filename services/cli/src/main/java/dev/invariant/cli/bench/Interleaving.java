package dev.invariant.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives both paths of a run from one sending thread at one fixed rate: first an unmeasured warm-up in 1 s slices
 * alternating between them (the client's serialisers and deserialisers and both services' per-request code run
 * before anything is measured) until every warm-up request is answered, {@link #SETTLE} of quiet and one pair of
 * windows at the measured rate, not counted (without it the first measured pair ran 1-6 ms slower than the second),
 * then the measured windows of
 * {@link WindowPlan}. Each path has a receiver thread of its own, so a poll never delays a send or the other path's
 * answers. An answer counts in the window of its send, whenever it arrives.
 */
final class Interleaving {
    static final Duration DRAIN = Duration.ofSeconds(30);
    private static final long SLICE_NS = 1_000_000_000L;
    // After the warm-up's burst: quiet, while the JIT's compiler threads finish what the burst queued.
    static final Duration SETTLE = Duration.ofSeconds(5);

    /** One path under test. */
    interface Path {
        /** Sends request {@code id}; measured ids start with "m-", warm-up ones with "w-". */
        void send(String id);

        /** Polls once for answers, on this path's receiver thread, and hands each to {@link #answered}. */
        void receiveOnce();
    }

    /** A measured window: its phase's sends in [start, end) and their answers' latencies. */
    static final class Window {
        final boolean bare;
        final int pair;
        final long start;
        long end;
        long sent;
        double load;
        double rssMb;
        double liveMb;
        final Latencies latencies = new Latencies();

        Window(boolean bare, int pair, long start) {
            this.bare = bare;
            this.pair = pair;
            this.start = start;
        }
    }

    private record Sent(long at, Window window) {
    }

    private final Path bare;
    private final Path pipeline;
    private final LoadSeries series;
    private final WorkerMemory memory;
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();
    private final List<Window> windows = new ArrayList<>();
    private final Latencies bareAll = new Latencies();
    private final Latencies pipelineAll = new Latencies();
    private volatile long lastBareAnswer;
    private volatile long lastPipelineAnswer;
    private long count;
    private long measuredStart;

    /**
     * @param memory the worker's memory: RSS sampled every second while sending, the live heap at each window's end
     *               (null: none)
     */
    Interleaving(Path bare, Path pipeline, LoadSeries series, WorkerMemory memory) {
        this.bare = bare;
        this.pipeline = pipeline;
        this.series = series;
        this.memory = memory;
    }

    /**
     * An answer to {@code id} arrived at {@code now} ({@link System#nanoTime()}): its round trip in milliseconds when
     * it was a measured request, NaN for a warm-up one or an id this run did not send.
     */
    double answered(String id, long now) {
        Sent s = sent.remove(id);
        if (s == null || s.window() == null) return Double.NaN;
        double ms = (now - s.at()) / 1e6;
        s.window().latencies.add(ms);
        if (s.window().bare) {
            bareAll.add(ms);
            lastBareAnswer = now;
        } else {
            pipelineAll.add(ms);
            lastPipelineAnswer = now;
        }
        return ms;
    }

    /**
     * Runs the warm-up and the planned windows, then waits up to {@link #DRAIN} for the measured answers.
     *
     * @return the measured windows, in the order they ran
     */
    List<Window> run(double rate, double warmupRate, long warmupSeconds, List<WindowPlan.Slot> plan,
                     long bareSeconds, long pipelineSeconds, long windowSeconds) {
        var receiving = new AtomicBoolean(true);
        List<Thread> receivers = List.of(receiver("bench-receiver-bare", bare, receiving),
                receiver("bench-receiver-pipeline", pipeline, receiving));
        try {
            warmUp(warmupRate, warmupSeconds);
            unmeasured(rate, 2 * windowSeconds, windowSeconds * 1_000_000_000L);
            long interval = (long) (1e9 / rate);
            measuredStart = System.nanoTime();
            long next = measuredStart;
            int[] perPhase = new int[2];
            for (WindowPlan.Slot slot : plan) {
                int index = perPhase[slot.bare() ? 0 : 1]++;
                long length = WindowPlan.seconds(slot.bare() ? bareSeconds : pipelineSeconds, windowSeconds, index);
                var w = new Window(slot.bare(), slot.pair(), next);
                windows.add(w);
                long end = next + length * 1_000_000_000L;
                Path path = slot.bare() ? bare : pipeline;
                while (next < end) {
                    pace(next);
                    String id = "m-" + count++;
                    sent.put(id, new Sent(System.nanoTime(), w));
                    path.send(id);
                    w.sent++;
                    if (memory != null) memory.sampleEverySecond();
                    next += interval;
                }
                w.end = end;
                w.load = LoadSeries.load1();
                w.rssMb = memory == null ? Double.NaN : memory.lastMb();
                w.liveMb = memory == null ? Double.NaN : memory.liveMb();
                // The window before this one has had a whole window's time for its answers: its line is due.
                if (windows.size() >= 2) series.window(windows.get(windows.size() - 2), measuredStart);
            }
            long drainEnd = System.nanoTime() + DRAIN.toNanos();
            while (!sent.isEmpty() && System.nanoTime() < drainEnd) LockSupport.parkNanos(1_000_000L);
            if (!windows.isEmpty()) series.window(windows.getLast(), measuredStart);
        } finally {
            receiving.set(false);
            for (Thread t : receivers) {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (!sent.isEmpty()) {
            System.out.printf("      %d measured requests unanswered after %d s: the rate is beyond capacity%n",
                    sent.size(), DRAIN.toSeconds());
        }
        return windows;
    }

    Latencies bareAll() {
        return bareAll;
    }

    Latencies pipelineAll() {
        return pipelineAll;
    }

    /**
     * A phase's answers per second over its windows' time, plus the time its answers ran on after its last window
     * (a backlog): below the offered rate when one built up.
     */
    double throughput(boolean ofBare) {
        long busy = 0;
        long lastEnd = 0;
        for (Window w : windows) {
            if (w.bare != ofBare) continue;
            busy += w.end - w.start;
            lastEnd = w.end;
        }
        long last = ofBare ? lastBareAnswer : lastPipelineAnswer;
        busy += Math.max(0, last - lastEnd);
        return busy == 0 ? 0 : (ofBare ? bareAll : pipelineAll).count() / (busy / 1e9);
    }

    private void warmUp(double warmupRate, long warmupSeconds) {
        if (warmupSeconds <= 0) return;
        long start = System.nanoTime();
        unmeasured(warmupRate, warmupSeconds, SLICE_NS);
        long end = System.nanoTime() + DRAIN.toNanos();
        while (!sent.isEmpty() && System.nanoTime() < end) LockSupport.parkNanos(1_000_000L);
        System.out.printf("      warm-up: %d requests in %.1f s, %d unanswered; load %.2f%n", count,
                (System.nanoTime() - start) / 1e9, sent.size(), LoadSeries.load1());
        sent.clear();
        pace(System.nanoTime() + SETTLE.toNanos());
    }

    /** Sends unmeasured requests for {@code seconds}, to bare and pipeline in turn, {@code sliceNs} each. */
    private void unmeasured(double rate, long seconds, long sliceNs) {
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        long next = start;
        while (next - start < seconds * 1_000_000_000L) {
            pace(next);
            String id = "w-" + count++;
            sent.put(id, new Sent(System.nanoTime(), null));
            (((next - start) / sliceNs) % 2 == 0 ? bare : pipeline).send(id);
            if (memory != null) memory.sampleEverySecond();
            next += interval;
        }
    }

    private static void pace(long at) {
        long wait;
        while ((wait = at - System.nanoTime()) > 0) LockSupport.parkNanos(Math.min(wait, 100_000_000L));
    }

    private static Thread receiver(String name, Path path, AtomicBoolean receiving) {
        return Thread.ofPlatform().name(name).daemon().start(() -> {
            while (receiving.get()) path.receiveOnce();
        });
    }
}
