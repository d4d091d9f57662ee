package dev.invariant.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures the memory bandwidth this machine gives {@link MemorySegment#copy}: each thread copies its own
 * slice of a buffer far larger than the caches, and the figure is bytes copied (= bytes read) per second,
 * the best of several passes. Decode reads every weight once per step, so weight bytes ÷ this figure is
 * the shortest possible step (the roofline). A copy also writes what it reads, so the figure is conservative.
 */
public final class BandwidthProbe {

    /** @param bytesPerSecond best pass; {@code passes} all passes, for the spread */
    public record Result(long bufferBytes, int threads, double bytesPerSecond, double[] passes) {
    }

    private BandwidthProbe() {
    }

    public static Result measure(long bufferBytes, int threads, int passes) throws Exception {
        if (bufferBytes < threads * 4096L) throw new IllegalArgumentException("buffer too small for " + threads + " threads");
        if (passes < 1) throw new IllegalArgumentException("passes must be >= 1");
        long slice = bufferBytes / threads / 64 * 64;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            MemorySegment src = arena.allocate(slice * threads, 64);
            MemorySegment dst = arena.allocate(slice * threads, 64);
            // touch every page so the first pass does not measure page faults
            src.fill((byte) 1);
            dst.fill((byte) 2);
            double best = 0;
            double[] all = new double[passes];
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long off = t * slice;
                    parts.add(pool.submit(() -> MemorySegment.copy(src, off, dst, off, slice)));
                }
                for (Future<?> f : parts) f.get();
                long ns = System.nanoTime() - t0;
                all[p] = slice * threads * 1e9 / ns;
                best = Math.max(best, all[p]);
            }
            return new Result(slice * threads, threads, best, all);
        }
    }
}
