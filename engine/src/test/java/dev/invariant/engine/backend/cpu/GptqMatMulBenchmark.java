package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * One-thread GPTQ matmul (packed int8 and int4, read in place) against the bf16 canonical matmul of the same shape,
 * on the Qwen1.5-14B projection shapes, in thread CPU time (stable on a shared machine). Every matrix is larger than
 * the last-level cache, so decode reads it from DRAM as a real step does. Run (docs/benchmarks.md, "GPTQ matmul"):
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes
 * dev.invariant.engine.backend.cpu.GptqMatMulBenchmark [reps]
 */
public final class GptqMatMulBenchmark {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private interface Kernel {
        void run(float[] x, int tokens, float[] y, float[] scratch);
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int[][] shapes = {{5120, 5120}, {5120, 13696}, {13696, 5120}};    // K x rows: q/k/v/o, gate/up, down
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofShared()) {
            for (int[] s : shapes) {
                int k = s[0], rows = s[1];
                MemorySegment bf = arena.allocate((long) rows * k * 2, 64);
                for (long i = 0; i < (long) rows * k; i++) {
                    bf.setAtIndex(WeightMatrix.BF16, i, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian() * 0.03f) >>> 16));
                }
                WeightMatrix dense = new WeightMatrix("bf16", bf, DType.BF16, rows, k);
                GptqMatrix int8 = GptqMatMulTest.random(rnd, new GptqConfig(8, 128, false, true, false), k, rows);
                GptqMatrix int4 = GptqMatMulTest.random(rnd, new GptqConfig(4, 128, false, true, false), k, rows);
                for (int tokens : new int[] {1, 16}) {
                    float[] x = new float[tokens * k];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    float[] y = new float[tokens * rows];
                    float[] scratch = new float[Math.max(MatMul.scratchSize(tokens, k), GptqMatMul.scratchSize(tokens, k))];
                    double b = best(reps, x, tokens, y, scratch, (xs, t, ys, sc) -> MatMul.rows(dense, xs, k, t, ys, rows, 0, 0, rows, sc));
                    double q8 = best(reps, x, tokens, y, scratch, (xs, t, ys, sc) -> GptqMatMul.rows(int8, xs, k, t, ys, rows, 0, 0, rows, sc));
                    double q4 = best(reps, x, tokens, y, scratch, (xs, t, ys, sc) -> GptqMatMul.rows(int4, xs, k, t, ys, rows, 0, 0, rows, sc));
                    System.out.printf("k=%5d rows=%5d tokens=%2d  bf16 %8.0f us  int8 %8.0f us (x%.2f)  int4 %8.0f us (x%.2f)"
                                    + "  [speed relative to bf16]%n", k, rows, tokens, b, q8, b / q8, q4, b / q4);
                }
            }
        }
    }

    /** Best of three rounds, microseconds per call. */
    private static double best(int reps, float[] x, int tokens, float[] y, float[] scratch, Kernel kernel) {
        double best = Double.MAX_VALUE;
        kernel.run(x, tokens, y, scratch);
        for (int round = 0; round < 3; round++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int r = 0; r < reps; r++) kernel.run(x, tokens, y, scratch);
            best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / 1e3 / reps);
        }
        return best;
    }
}
