package dev.invariant.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split independent index ranges (output rows, heads, tokens) between them.
 * Work is never split inside a reduction, so the thread count changes who computes a value, not its bits.
 *
 * <p>A forward pass is a few hundred short parallel regions in a row. Waking a parked thread costs from tens of
 * microseconds to over a millisecond on a virtual machine, so after a region the workers spin for a moment
 * ({@link #SPIN_NANOS}) waiting for the next one before they park; an idle engine parks them at once after that.
 * One caller at a time (the engine's step loop); regions do not nest.
 *
 * <p>A region's parts are claimed, not assigned: the caller and the workers take the next unclaimed part until none
 * is left, so a worker that the OS has not scheduled yet (another process holds the cores) delays nothing, the
 * caller does its part instead. On a shared 2-core machine fixed assignment made a 260K-parameter step take
 * ~18 ms instead of ~0.5 ms (docs/benchmarks.md). A part's range is fixed, whoever runs it.
 */
final class WorkerPool implements AutoCloseable {
    interface RangeBody {
        void run(int lo, int hi);
    }

    /** How long a worker (or the caller waiting for workers) spins before it parks. */
    static final long SPIN_NANOS = 200_000;

    /** One parallel region: part p of {@code parts} covers [n * p / parts, n * (p + 1) / parts). */
    private record Region(long id, int n, int parts, RangeBody body, Thread caller, AtomicInteger next,
                          AtomicInteger pending, AtomicReference<Throwable> failure) {
        /** Runs unclaimed parts until none is left; wakes the caller when the last running part finishes. */
        void claimParts() {
            for (int p = next.getAndIncrement(); p < parts; p = next.getAndIncrement()) {
                try {
                    body.run((int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
                if (pending.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
            }
        }
    }

    private final int threads;
    private final Thread[] workers;
    private volatile Region region = new Region(0, 0, 0, (lo, hi) -> { }, null, new AtomicInteger(),
            new AtomicInteger(), new AtomicReference<>());
    private volatile boolean closed;

    WorkerPool(int threads) {
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().name("invariant-cpu-" + part).daemon().start(() -> work(part));
        }
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
        Region r = new Region(region.id() + 1, n, parts, body, Thread.currentThread(), new AtomicInteger(),
                new AtomicInteger(parts), new AtomicReference<>());
        region = r;
        for (int p = 1; p < parts; p++) LockSupport.unpark(workers[p - 1]);
        r.claimParts();
        long start = System.nanoTime();
        while (r.pending().get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        Throwable failure = r.failure().get();
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException("worker failed", failure);
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

    private void work(int part) {
        long seen = 0;
        while (!closed) {
            Region r = region;
            if (r.id() == seen) {
                long start = System.nanoTime();
                while ((r = region).id() == seen && !closed) {
                    if (System.nanoTime() - start < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (closed) return;
            }
            seen = r.id();
            if (part < r.parts()) r.claimParts();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
