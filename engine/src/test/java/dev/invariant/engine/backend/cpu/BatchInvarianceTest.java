package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.invariant.engine.backend.StepScript;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sequence's logits are the same raw bits whatever the batch, chunking, thread count and block placement
 * and block size (docs/numerics.md rules 1 and 2). The prompt crosses two attention split boundaries (64, 128).
 */
class BatchInvarianceTest {
    private static final int BLOCK = StepScript.BLOCK;
    private static final int PROMPT = 150;
    private static final int DECODE = 4;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen3", "tiny-qwen2"})
    void logitsAreIndependentOfHowTheStepIsRun(String name) {
        try (LoadedModel m = LoadedModel.open(name)) {
            checkInvariance(name, m.model());
        }
    }

    /** Widths >= 256 and bf16 take the register-blocked kernels; hidden 320 and FFN 704 leave partial chunks. */
    @Test
    void wideSyntheticModelIsInvariantToo() {
        ModelConfig c = new ModelConfig(Architecture.QWEN2, 320, 704, 2, 5, 1, 64, 1000, 4096, 1e6, 1e-6f,
                false, true, false, 0, List.of(1));
        try (Arena arena = Arena.ofShared()) {
            checkInvariance("synthetic", SyntheticModel.build(c, arena, 5));
        }
    }

    private static void checkInvariance(String name, Model m) {
        {
            int vocab = m.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(name.hashCode());
            int[] prompt = rnd.ints(PROMPT, 0, vocab).toArray();
            int[] decoded = rnd.ints(DECODE, 0, vocab).toArray();
            int blocks = (PROMPT + DECODE + BLOCK - 1) / BLOCK;

            int[][] reference = run(m, 1, prompt, decoded, StepScript.blocks(0, blocks), PROMPT, false, rnd);
            for (int chunk : new int[] {1, 7, 64}) {
                assertSameBits(reference, run(m, 1, prompt, decoded, StepScript.blocks(0, blocks), chunk, false, rnd),
                        name + " prefill in chunks of " + chunk);
            }
            for (int threads : new int[] {2, 4}) {
                assertSameBits(reference, run(m, threads, prompt, decoded, StepScript.blocks(0, blocks), PROMPT, false, rnd),
                        name + " with " + threads + " threads");
            }
            int[] shuffled = StepScript.shuffledBlocks(rnd, 4 * blocks, blocks);
            assertSameBits(reference, run(m, 2, prompt, decoded, shuffled, 33, false, rnd),
                    name + " with block table " + Arrays.toString(shuffled));
            assertSameBits(reference, run(m, 3, prompt, decoded, shuffled, 64, true, rnd),
                    name + " in a batch with random companions");
            // Rows are found by a shift for power-of-two block sizes and by division otherwise: both, same bits.
            for (int block : new int[] {8, 12}) {
                int[] table = StepScript.shuffledBlocks(rnd, 64, (PROMPT + DECODE + block - 1) / block);
                try (CpuBackend be = new CpuBackend(m, CpuBackendConfig.portable(1, block, StepScript.numBlocks(table)))) {
                    assertSameBits(reference, StepScript.run(be, prompt, decoded, table, 33, false, rnd),
                            name + " in blocks of " + block + ", table " + Arrays.toString(table));
                }
            }
        }
    }

    private static int[][] run(Model m, int threads, int[] prompt, int[] decoded, int[] table, int chunk,
                               boolean companions, SplittableRandom rnd) {
        try (CpuBackend be = new CpuBackend(m, CpuBackendConfig.portable(threads, BLOCK, StepScript.numBlocks(table)))) {
            return StepScript.run(be, prompt, decoded, table, chunk, companions, rnd);
        }
    }

    private static void assertSameBits(int[][] expected, int[][] actual, String what) {
        assertArrayEquals(expected, actual, what);
    }
}
