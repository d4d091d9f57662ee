package dev.invariant.engine.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of threads that split independent index ranges (output rows, heads, tokens) between them.
 * Work is never split inside a reduction, so the thread count changes who computes a value, not its bits.
 */
final class WorkerPool implements AutoCloseable {
    interface RangeBody {
        void run(int lo, int hi);
    }

    private final int threads;
    private final ExecutorService pool;

    WorkerPool(int threads) {
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, "invariant-cpu");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs body over [0, n) in up to {@code threads} contiguous pieces; the caller runs the first. */
    void forRange(int n, RangeBody body) {
        int parts = Math.min(threads, n);
        if (parts <= 1) {
            if (n > 0) body.run(0, n);
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            int lo = (int) ((long) n * p / parts);
            int hi = (int) ((long) n * (p + 1) / parts);
            futures.add(pool.submit(() -> body.run(lo, hi)));
        }
        Throwable failure = null;
        try {
            body.run(0, (int) ((long) n / parts));
        } catch (RuntimeException | Error e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException("worker interrupted", failure);
    }

    /**
     * Runs body over [0, n) in pieces of {@code chunk} that the threads claim in turn, so a thread that another
     * process slows down takes fewer pieces. Which thread computes a piece never changes its values.
     */
    void forChunks(int n, int chunk, RangeBody body) {
        int pieces = (n + chunk - 1) / chunk;
        if (pieces <= 1 || threads == 1) {
            forRange(n, body);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        forRange(Math.min(threads, pieces), (lo, hi) -> {
            for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
                body.run(p * chunk, Math.min(n, (p + 1) * chunk));
            }
        });
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
