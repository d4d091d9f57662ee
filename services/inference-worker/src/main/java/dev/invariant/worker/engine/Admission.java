package dev.invariant.worker.engine;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;

/**
 * The bound on requests admitted into the engine at once, shared by the Kafka intake and the HTTP API.
 * The Kafka consumer waits for a permit before it takes its next record, so when the engine is full the channel
 * stops pulling and the connector pauses its partitions: nothing is buffered without bound. HTTP callers do not
 * wait: they are told the worker is overloaded.
 */
public final class Admission {
    private final int limit;
    private final Queue<CompletableFuture<Void>> waiters = new ArrayDeque<>();
    private int inFlight;
    private boolean closed;

    public Admission(int limit) {
        if (limit < 1) throw new IllegalArgumentException("the in-flight limit must be >= 1, got " + limit);
        this.limit = limit;
    }

    /** Completes once a permit is held (at once when one is free). After {@link #close()} it never completes. */
    public synchronized CompletableFuture<Void> acquire() {
        var f = new CompletableFuture<Void>();
        if (!closed && inFlight < limit) {
            inFlight++;
            f.complete(null);
        } else if (!closed) {
            waiters.add(f);
        }
        return f;
    }

    /** Takes a permit only if one is free now. */
    public synchronized boolean tryAcquire() {
        if (closed || inFlight >= limit) return false;
        inFlight++;
        return true;
    }

    /** Gives a permit back, handing it straight to the oldest waiter if there is one. */
    public void release() {
        CompletableFuture<Void> next;
        synchronized (this) {
            next = closed ? null : waiters.poll();
            if (next == null) inFlight--;
        }
        // Completed outside the lock: the waiter's continuation may call back into this object.
        if (next != null) next.complete(null);
    }

    /** Stops handing out permits (shutdown): waiting and later callers are never admitted. */
    public synchronized void close() {
        closed = true;
        waiters.clear();
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    public int limit() {
        return limit;
    }
}
