package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.model.Model;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prefill of a longer prompt and decode tokens/s on a shared model folder or a synthetic preset (the decode comparison
 * of bench/run takes only presets): per batch, the p50 of {@code prefills} prefills of {@code prompt} tokens per
 * sequence, then the median of {@code -Ddreps} (7) decode windows of {@code steps} steps, each restarted at the
 * prompt's end. Run: java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp
 * engine/target/classes:engine/target/test-classes:DEPS dev.invariant.engine.backend.cpu.PrefillDecodeBenchmark
 * MODEL THREADS PROMPT PREFILLS STEPS BATCH... (MODEL: stories260K, synthetic:qwen2.5-0.5b@bf16, ...).
 */
public final class PrefillDecodeBenchmark {
    private static final int BLOCK = 16;

    public static void main(String[] a) {
        String name = a[0];
        int threads = Integer.parseInt(a[1]), prompt = Integer.parseInt(a[2]), prefills = Integer.parseInt(a[3]);
        int steps = Integer.parseInt(a[4]), dreps = Integer.getInteger("dreps", 7);
        try (LoadedModel lm = LoadedModel.open(name)) {
            Model model = lm.model();
            int vocab = model.config().vocabSize();
            int per = (prompt + steps + 3 + BLOCK - 1) / BLOCK + 1;
            for (int i = 5; i < a.length; i++) {
                int batch = Integer.parseInt(a[i]);
                try (CpuBackend be = new CpuBackend(model, new CpuBackendConfig(threads, BLOCK, batch * per + 8, NumericsProfile.PORTABLE))) {
                    double[] ms = new double[prefills];
                    float[][] logits = null;
                    for (int r = -Math.max(3, prefills / 3); r < prefills; r++) { // the first ones warm the JIT
                        List<SeqChunk> chunks = new ArrayList<>();
                        for (int s = 0; s < batch; s++) {
                            int[] ids = new int[prompt];
                            for (int j = 0; j < prompt; j++) ids[j] = (s * 7919 + j * 104729 + 1) % vocab;
                            chunks.add(new SeqChunk(s, ids, 0, StepScript.blocks(s * per, per), true));
                        }
                        long t0 = System.nanoTime();
                        logits = be.forward(chunks);
                        if (r >= 0) ms[r] = (System.nanoTime() - t0) / 1e6;
                    }
                    double[] rate = new double[dreps];
                    for (int d = 0; d < dreps; d++) {
                        long start = 0;
                        for (int step = -3; step < steps; step++) {
                            if (step == 0) start = System.nanoTime();
                            List<SeqChunk> chunks = new ArrayList<>();
                            for (int s = 0; s < batch; s++) {
                                chunks.add(new SeqChunk(s, new int[] {Greedy.argmax(logits[s])}, prompt + 3 + step,
                                        StepScript.blocks(s * per, per), true));
                            }
                            logits = be.forward(chunks);
                        }
                        rate[d] = batch * steps / ((System.nanoTime() - start) / 1e9);
                    }
                    Arrays.sort(ms);
                    Arrays.sort(rate);
                    System.out.printf("%s batch %d prompt %d: prefill p50 %.3f ms (min %.3f), decode %.1f tok/s (median of %d)%n",
                            name, batch, prompt, ms[prefills / 2], ms[0], rate[dreps / 2], dreps);
                }
            }
        }
    }
}
