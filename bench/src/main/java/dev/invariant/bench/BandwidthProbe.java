package dev.invariant.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the memory bandwidth this machine gives {@link MemorySegment#copy}: each thread copies its own
 * slice of a buffer far larger than the caches, and the figure is bytes copied (= bytes read) per second,
 * the best of several passes. Decode reads every weight once per step, so weight bytes ÷ this figure is
 * the shortest possible step (the roofline). A copy also writes what it reads (and the write allocates a cache
 * line first), so memory moves two to three times the bytes counted: the copy figure is a low bound.
 * {@link #measureRead} counts a pure read (a vector sum), which is what decoding does with weights.
 */
public final class BandwidthProbe {

    /** @param bytesPerSecond best pass; {@code passes} all passes, for the spread */
    public record Result(long bufferBytes, int threads, double bytesPerSecond, double[] passes) {
    }

    private BandwidthProbe() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    /** Bytes read per second by threads each summing its slice with four independent vector accumulators. */
    public static Result measureRead(long bufferBytes, int threads, int passes) throws Exception {
        long slice = bufferBytes / threads / 128 * 128;
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            MemorySegment src = arena.allocate(slice * threads, 64);
            src.fill((byte) 1);
            double best = 0;
            double[] all = new double[passes];
            float[] sink = new float[threads];
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    long off = t * slice;
                    parts.add(pool.submit(() -> sink[id] += sum(src, off, slice)));
                }
                for (Future<?> f : parts) f.get();
                long ns = System.nanoTime() - t0;
                all[p] = slice * threads * 1e9 / ns;
                best = Math.max(best, all[p]);
            }
            if (Float.isNaN(sink[0])) throw new IllegalStateException("unreachable: keeps the sums alive");
            return new Result(slice * threads, threads, best, all);
        }
    }

    private static float sum(MemorySegment s, long off, long bytes) {
        FloatVector a = FloatVector.zero(F), b = a, c = a, d = a;
        for (long i = off; i < off + bytes; i += 128) {
            a = a.add(FloatVector.fromMemorySegment(F, s, i, java.nio.ByteOrder.LITTLE_ENDIAN));
            b = b.add(FloatVector.fromMemorySegment(F, s, i + 32, java.nio.ByteOrder.LITTLE_ENDIAN));
            c = c.add(FloatVector.fromMemorySegment(F, s, i + 64, java.nio.ByteOrder.LITTLE_ENDIAN));
            d = d.add(FloatVector.fromMemorySegment(F, s, i + 96, java.nio.ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
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
