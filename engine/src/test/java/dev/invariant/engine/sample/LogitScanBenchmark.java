package dev.invariant.engine.sample;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The greedy path's two row scans (finite check + argmax) over a batch of logits rows, one value at a time against
 * {@link LogitScan}'s vectors, in one process:
 * <pre>
 *   LogitScanBenchmark [--vocab 151936] [--rows 64] [--reps 200]
 * </pre>
 * Prints microseconds per row for each and their ratio (the engine thread pays this for every greedy token).
 */
public final class LogitScanBenchmark {
    private LogitScanBenchmark() {}

    public static void main(String[] args) {
        int vocab = 151_936;
        int rows = 64;
        int reps = 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vocab" -> vocab = Integer.parseInt(args[++i]);
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                default -> {
                    System.out.println("usage: LogitScanBenchmark [--vocab 151936] [--rows 64] [--reps 200]");
                    return;
                }
            }
        }
        SplittableRandom rnd = new SplittableRandom(1);
        float[][] batch = new float[rows][vocab];
        for (float[] r : batch) for (int i = 0; i < vocab; i++) r[i] = (float) rnd.nextGaussian() * 3;
        long sink = 0;
        double scalar = 0;
        double vector = 0;
        for (int round = 0; round < 3; round++) {  // the first rounds warm the JIT; the last is reported
            long t0 = System.nanoTime();
            for (int k = 0; k < reps; k++) for (float[] r : batch) sink += scalarFinite(r) + LogitScan.scalarArgmax(r);
            long t1 = System.nanoTime();
            for (int k = 0; k < reps; k++) for (float[] r : batch) sink += LogitScan.firstNotFiniteAbove(r) + LogitScan.argmax(r);
            long t2 = System.nanoTime();
            scalar = (t1 - t0) / 1e3 / reps / rows;
            vector = (t2 - t1) / 1e3 / reps / rows;
        }
        System.out.printf(Locale.ROOT, "vocab %d, %d rows: scalar %.1f us/row, vector %.1f us/row, %.2fx (%d)%n",
                vocab, rows, scalar, vector, scalar / vector, sink % 10);
    }

    private static int scalarFinite(float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (Float.isNaN(v[i]) || v[i] == Float.POSITIVE_INFINITY) return i;
        }
        return -1;
    }
}
