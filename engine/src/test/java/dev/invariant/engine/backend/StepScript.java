package dev.invariant.engine.backend;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A step-level workload any backend can run: one target sequence prefilled in chunks and decoded one token per step,
 * optionally sharing every step with companions of random lengths. It returns the raw bits of the target's logits
 * after the prompt and after each decoded token, so two runs (two batch shapes, two backends) compare bit for bit.
 */
public final class StepScript {
    /** Positions per KV block used by the script's tables. */
    public static final int BLOCK = 16;

    private StepScript() {
    }

    /** KV blocks a backend needs for {@code table} plus the companions' blocks. */
    public static int numBlocks(int[] table) {
        return Math.max(Arrays.stream(table).max().orElse(0) + 1, 4 * table.length) + 64;
    }

    public static int[] blocks(int first, int count) {
        int[] t = new int[count];
        for (int i = 0; i < count; i++) t[i] = first + i;
        return t;
    }

    /**
     * Prefills the prompt in chunks of {@code chunk}, then decodes {@code decoded} one token per step, and returns
     * the raw bits of the logits after the prompt and after each decoded token. With {@code companions}, every
     * step also carries chunks of other sequences of random lengths, some wanting logits.
     */
    public static int[][] run(Backend be, int[] prompt, int[] decoded, int[] table, int chunk,
                              boolean companions, SplittableRandom rnd) {
        int vocab = be.model().config().vocabSize();
        int numBlocks = be.numBlocks();
        {
            // companion sequences use blocks beyond the target's
            List<Companion> others = new ArrayList<>();
            int free = numBlocks - 64;
            if (companions) {
                for (int i = 0; i < 3; i++) others.add(new Companion(100 + i, blocks(free + 21 * i, 21)));
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

    public static int[] shuffledBlocks(SplittableRandom rnd, int range, int count) {
        int[] ids = blocks(0, range);
        for (int i = range - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = ids[i];
            ids[i] = ids[j];
            ids[j] = t;
        }
        return Arrays.copyOf(ids, count);
    }

    public static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

}
