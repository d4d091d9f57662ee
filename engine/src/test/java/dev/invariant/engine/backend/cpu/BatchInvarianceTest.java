package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.engine.backend.SeqChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sequence's logits are the same raw bits whatever the batch, chunking, thread count and block placement
 * (docs/numerics.md rules 1 and 2). The prompt crosses two attention split boundaries (64, 128).
 */
class BatchInvarianceTest {
    private static final int BLOCK = 16;
    private static final int PROMPT = 150;
    private static final int DECODE = 4;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen3", "tiny-qwen2"})
    void logitsAreIndependentOfHowTheStepIsRun(String name) {
        try (LoadedModel m = LoadedModel.open(name)) {
            int vocab = m.model().config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(name.hashCode());
            int[] prompt = rnd.ints(PROMPT, 0, vocab).toArray();
            int[] decoded = rnd.ints(DECODE, 0, vocab).toArray();
            int blocks = (PROMPT + DECODE + BLOCK - 1) / BLOCK;

            int[][] reference = run(m, 1, prompt, decoded, Greedy.blocks(0, blocks), PROMPT, false, rnd);
            for (int chunk : new int[] {1, 7, 64}) {
                assertSameBits(reference, run(m, 1, prompt, decoded, Greedy.blocks(0, blocks), chunk, false, rnd),
                        name + " prefill in chunks of " + chunk);
            }
            for (int threads : new int[] {2, 4}) {
                assertSameBits(reference, run(m, threads, prompt, decoded, Greedy.blocks(0, blocks), PROMPT, false, rnd),
                        name + " with " + threads + " threads");
            }
            int[] shuffled = shuffledBlocks(rnd, 4 * blocks, blocks);
            assertSameBits(reference, run(m, 2, prompt, decoded, shuffled, 33, false, rnd),
                    name + " with block table " + Arrays.toString(shuffled));
            assertSameBits(reference, run(m, 3, prompt, decoded, shuffled, 64, true, rnd),
                    name + " in a batch with random companions");
        }
    }

    /**
     * Prefills the prompt in chunks of {@code chunk}, then decodes {@code decoded} one token per step, and returns
     * the raw bits of the logits after the prompt and after each decoded token. With {@code companions}, every
     * step also carries chunks of other sequences of random lengths, some wanting logits.
     */
    private static int[][] run(LoadedModel m, int threads, int[] prompt, int[] decoded, int[] table, int chunk,
                               boolean companions, SplittableRandom rnd) {
        int vocab = m.model().config().vocabSize();
        int numBlocks = Math.max(Arrays.stream(table).max().orElse(0) + 1, 4 * table.length) + 64;
        try (CpuBackend be = new CpuBackend(m.model(), CpuBackendConfig.portable(threads, BLOCK, numBlocks))) {
            // companion sequences use blocks beyond the target's
            List<Companion> others = new ArrayList<>();
            int free = numBlocks - 64;
            if (companions) {
                for (int i = 0; i < 3; i++) others.add(new Companion(100 + i, Greedy.blocks(free + 21 * i, 21)));
            }
            List<int[]> out = new ArrayList<>();
            int pos = 0;
            int[] all = new int[prompt.length + decoded.length];
            System.arraycopy(prompt, 0, all, 0, prompt.length);
            System.arraycopy(decoded, 0, all, prompt.length, decoded.length);
            while (pos < all.length) {
                int len = pos < prompt.length ? Math.min(chunk, prompt.length - pos) : 1;
                boolean want = pos + len >= prompt.length;
                List<SeqChunk> step = new ArrayList<>();
                int targetIndex = companions ? rnd.nextInt(others.size() + 1) : 0;
                for (Companion c : others) {
                    if (c.pos < 300 && rnd.nextInt(4) > 0) {
                        int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 1 : 40);
                        n = Math.min(n, 300 - c.pos);
                        step.add(new SeqChunk(c.id, rnd.ints(n, 0, vocab).toArray(), c.pos, c.table, rnd.nextBoolean()));
                        c.pos += n;
                    }
                }
                targetIndex = Math.min(targetIndex, step.size());
                step.add(targetIndex, new SeqChunk(1, Arrays.copyOfRange(all, pos, pos + len), pos, table, want));
                float[][] logits = be.forward(step);
                if (want) out.add(bits(logits[targetIndex]));
                else assertNull(logits[targetIndex]);
                pos += len;
            }
            return out.toArray(int[][]::new);
        }
    }

    private static final class Companion {
        final long id;
        final int[] table;
        int pos;

        Companion(long id, int[] table) {
            this.id = id;
            this.table = table;
        }
    }

    private static int[] shuffledBlocks(SplittableRandom rnd, int range, int count) {
        int[] ids = Greedy.blocks(0, range);
        for (int i = range - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        return Arrays.copyOf(ids, count);
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    private static void assertSameBits(int[][] expected, int[][] actual, String what) {
        assertArrayEquals(expected, actual, what);
    }
}
