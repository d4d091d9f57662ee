package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.numerics.DotTest;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.SplittableRandom;

/**
 * One-thread matmul throughput, canonical against naive, on the Qwen2.5-0.5B projection shapes, timed in
 * thread CPU time (stable on a shared machine). Run: java --add-modules jdk.incubator.vector
 * -cp engine/target/classes:engine/target/test-classes dev.invariant.engine.backend.cpu.MatMulBenchmark [reps] [BF16|F32] [MiB of weight copies
 * cycled through, to read them from DRAM rather than cache]
 */
public final class MatMulBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        DType[] dtypes = args.length > 1 ? new DType[] {DType.valueOf(args[1])} : new DType[] {DType.BF16, DType.F32};
        long mib = args.length > 2 ? Long.parseLong(args[2]) : 0;
        int[][] shapes = {{4864, 896}, {896, 4864}, {4864, 896}};
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = new SplittableRandom(3);
            for (DType dt : dtypes) {
                for (int[] s : shapes) {
                    int k = s[0], rows = s[1];
                    long bytes = (long) rows * k * dt.bytes();
                    int copies = (int) Math.max(1, mib * (1L << 20) / bytes);
                    WeightMatrix[] ws = new WeightMatrix[copies];
                    for (int m = 0; m < copies; m++) {
                        MemorySegment seg = arena.allocate(bytes, 64);
                        for (long i = 0; i < (long) rows * k; i++) {
                            float v = (float) rnd.nextGaussian() * 0.03f;
                            if (dt == DType.F32) seg.setAtIndex(WeightMatrix.F32, i, v);
                            else seg.setAtIndex(WeightMatrix.BF16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                        }
                        ws[m] = new WeightMatrix("w", seg, dt, rows, k);
                    }
                    for (int tokens : new int[] {1, 16}) {
                        float[] x = DotTest.random(rnd, tokens * k);
                        float[] y = new float[tokens * rows];
                        float[] scratch = new float[MatMul.scratchSize(tokens, k)];
                        float[] naiveScratch = new float[NaiveMatMul.scratchSize(k)];
                        if (mib > 0) reps = Math.max(reps, copies);
                        int splits = NaiveMatMul.splits(tokens, 2, k);
                        long alloc = 0;
                        double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
                        for (int round = 0; round < 3; round++) {
                            long a0 = ((com.sun.management.ThreadMXBean) CPU).getCurrentThreadAllocatedBytes();
                            long t0 = CPU.getCurrentThreadCpuTime();
                            for (int r = 0; r < reps; r++) MatMul.rows(ws[r % copies], x, k, tokens, y, rows, 0, 0, rows, scratch);
                            long t1 = CPU.getCurrentThreadCpuTime();
                            alloc = (((com.sun.management.ThreadMXBean) CPU).getCurrentThreadAllocatedBytes() - a0) / reps;
                            for (int r = 0; r < reps; r++) NaiveMatMul.rows(ws[r % copies], x, k, tokens, y, rows, 0, 0, rows, splits, naiveScratch);
                            long t2 = CPU.getCurrentThreadCpuTime();
                            best[0] = Math.min(best[0], (t1 - t0) / 1e3 / reps);
                            best[1] = Math.min(best[1], (t2 - t1) / 1e3 / reps);
                        }
                        System.out.printf("%-4s k=%4d rows=%4d tokens=%2d  canonical %8.0f us  naive %8.0f us  ratio %.2f  canonical allocates %d B/call%n",
                                dt, k, rows, tokens, best[0], best[1], best[1] / best[0], alloc);
                    }
                }
            }
        }
    }
}
