package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.model.Model;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Decode throughput on a Qwen2.5-0.5B-shaped synthetic bf16 model: tokens/s at a given batch, threads
 * and profile. Run: java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes
 * dev.invariant.engine.backend.cpu.DecodeBenchmark [threads] [steps] [batch ...]
 */
public final class DecodeBenchmark {
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static final int BLOCK = 16;
    private static final int CONTEXT = 32;
    private static final int WARMUP = 3;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        List<Integer> batches = new ArrayList<>();
        for (int i = 2; i < args.length; i++) batches.add(Integer.parseInt(args[i]));
        if (batches.isEmpty()) batches = List.of(1, 16);
        try (Arena arena = Arena.ofShared()) {
            long t0 = System.nanoTime();
            Model model = SyntheticModel.build(SyntheticModel.qwen25Half(), arena, 42);
            System.out.printf("built synthetic model in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            for (int batch : batches) {
                for (NumericsProfile p : List.of(NumericsProfile.PORTABLE, NumericsProfile.NAIVE)) {
                    double[] r = measure(model, new CpuBackendConfig(threads, BLOCK, batch * 8 + 8, p), batch, steps);
                    System.out.printf("batch %2d  threads %d  %-8s  %.2f tokens/s wall, %.2f tokens per CPU-second x %d threads%n",
                            batch, threads, p.wireName(), r[0], r[1] * threads, threads);
                }
            }
        }
    }

    /** Wall-clock tokens/s, and tokens per CPU-second of this process (stable on a shared machine). */
    static double[] measure(Model model, CpuBackendConfig config, int batch, int steps) {
        int vocab = model.config().vocabSize();
        try (CpuBackend be = new CpuBackend(model, config)) {
            int blocksPerSeq = (CONTEXT + steps + WARMUP + 1 + BLOCK - 1) / BLOCK;
            List<SeqChunk> prefill = new ArrayList<>();
            for (int s = 0; s < batch; s++) {
                int[] prompt = new int[CONTEXT];
                for (int i = 0; i < CONTEXT; i++) prompt[i] = (s * 7919 + i * 104729) % vocab;
                prefill.add(new SeqChunk(s, prompt, 0, StepScript.blocks(s * blocksPerSeq, blocksPerSeq), true));
            }
            float[][] logits = be.forward(prefill);
            int pos = CONTEXT;
            // warm-up steps (the JIT compiles the kernels), then the timed steps
            long start = 0;
            long cpuStart = 0;
            for (int step = -WARMUP; step < steps; step++) {
                if (step == 0) {
                    start = System.nanoTime();
                    cpuStart = cpuNanos();
                }
                List<SeqChunk> chunks = new ArrayList<>();
                for (int s = 0; s < batch; s++) {
                    chunks.add(new SeqChunk(s, new int[] {Greedy.argmax(logits[s])}, pos,
                            StepScript.blocks(s * blocksPerSeq, blocksPerSeq), true));
                }
                logits = be.forward(chunks);
                pos++;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            double cpu = (cpuNanos() - cpuStart) / 1e9;
            return new double[] {batch * steps / secs, batch * steps / cpu};
        }
    }
}
