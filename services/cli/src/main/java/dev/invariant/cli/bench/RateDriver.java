package dev.invariant.cli.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends at a fixed rate on the calling thread (3 s of warm-up, then the measured duration) while a receiver thread
 * takes the answers, so a slow poll never delays a send; then waits up to 30 s for the measured answers.
 */
final class RateDriver {
    static final Duration WARMUP = Duration.ofSeconds(3);
    static final Duration DRAIN = Duration.ofSeconds(30);

    /** Sends request {@code i}; its id starts with "m-" when measured, "w-" during warm-up. */
    interface Sender {
        void send(String id);
    }

    private final double rate;
    private final long seconds;

    RateDriver(double rate, long seconds) {
        this.rate = rate;
        this.seconds = seconds;
    }

    /**
     * @param receiveOnce polls once for answers (on the receiver thread only) and records the measured ones in
     *                    {@code measured} and {@code series}
     */
    /**
     * @return measured answers per second, over the time from the first measured send to the last answer (or the
     *         end of the drain): below the offered rate when a backlog built up
     */
    double run(Sender sender, Runnable receiveOnce, Latencies measured, LoadSeries series) {
        var receiving = new AtomicBoolean(true);
        Thread receiver = Thread.ofPlatform().name("bench-receiver").daemon().start(() -> {
            while (receiving.get()) receiveOnce.run();
        });
        long interval = (long) (1e9 / rate);
        long warmup = WARMUP.toNanos();
        long end = warmup + Duration.ofSeconds(seconds).toNanos();
        long start = System.nanoTime();
        long next = start;
        long count = 0;
        var measuredSent = new AtomicLong();
        series.start(start + warmup);
        while (next - start < end) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) LockSupport.parkNanos(Math.min(wait, 100_000_000L));
            boolean isMeasured = next - start >= warmup;
            sender.send((isMeasured ? "m-" : "w-") + count++);
            if (isMeasured) {
                measuredSent.incrementAndGet();
                series.tick(System.nanoTime(), measuredSent::get, measured);
            }
            next += interval;
        }
        long drainEnd = System.nanoTime() + DRAIN.toNanos();
        while (measured.count() < measuredSent.get() && System.nanoTime() < drainEnd) {
            LockSupport.parkNanos(1_000_000L);
        }
        double throughput = measured.count() / ((System.nanoTime() - start - warmup) / 1e9);
        series.finish(System.nanoTime(), measuredSent::get, measured);
        receiving.set(false);
        try {
            receiver.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (measured.count() < measuredSent.get()) {
            System.out.printf("      %d of %d measured requests unanswered after %d s: the rate is beyond capacity%n",
                    measuredSent.get() - measured.count(), measuredSent.get(), DRAIN.toSeconds());
        }
        return throughput;
    }
}
