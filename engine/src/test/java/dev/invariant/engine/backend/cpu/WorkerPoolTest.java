package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Every index is handed out exactly once, whatever the split; a failure in any thread reaches the caller; an idle
 * engine's workers park at once instead of spinning for the next region.
 */
class WorkerPoolTest {
    @Test
    void chunksCoverEveryIndexOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (WorkerPool pool = new WorkerPool(threads)) {
                for (int n : new int[] {0, 1, 63, 64, 65, 1000, 4864}) {
                    for (int chunk : new int[] {1, 7, 64, 5000}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        pool.forChunks(n, chunk, (lo, hi) -> {
                            for (int i = lo; i < hi; i++) seen.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "threads=" + threads + " n=" + n + " chunk=" + chunk + " i=" + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void aFailingChunkFailsTheCall() {
        try (WorkerPool pool = new WorkerPool(2)) {
            var e = assertThrows(IllegalStateException.class, () -> pool.forChunks(1000, 10, (lo, hi) -> {
                if (lo == 500) throw new IllegalStateException("chunk 50");
            }));
            assertEquals("chunk 50", e.getMessage());
        }
    }

    @Test
    void restParksSpinningWorkersAndTheNextRegionWakesThem() throws Exception {
        // A spin of a minute: without rest() the worker would still be spinning at every look below.
        try (WorkerPool pool = new WorkerPool(2, TimeUnit.MINUTES.toNanos(1))) {
            for (int round = 0; round < 3; round++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(64);
                pool.forRange(64, (lo, hi) -> {
                    for (int i = lo; i < hi; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < 64; i++) assertEquals(1, seen.get(i), "round " + round + " i=" + i);
                await(pool, Thread.State.RUNNABLE, "spinning after the region");
                Thread.sleep(100);
                assertEquals(Thread.State.RUNNABLE, pool.workerStates().getFirst(), "still spinning 100 ms later");
                pool.rest();
                await(pool, Thread.State.WAITING, "parked after rest()");
            }
        }
    }

    private static void await(WorkerPool pool, Thread.State state, String what) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.workerStates().getFirst() != state) {
            assertTrue(System.nanoTime() < until, what + ": the worker is " + pool.workerStates().getFirst());
            Thread.sleep(1);
        }
    }
}
