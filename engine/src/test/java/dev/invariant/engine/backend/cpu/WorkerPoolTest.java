package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every index is handed out exactly once, whatever the split; a failure in any thread reaches the caller. */
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
}
