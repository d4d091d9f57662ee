package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import org.junit.jupiter.api.Test;

/**
 * The naive profile's split choices on the GPU (NaiveKernels), no device needed: the projections' split-K follows the
 * step's token count on the seed report's shape, its workspace bound holds for every shape and step, and decode
 * attention's KV splits follow the step's (token, head) pairs.
 */
class NaiveSplitsTest {
    private static final int H200 = 132;  // multiprocessors

    @Test
    void theSeedReportsProjectionsSplitDifferentlyAloneAndInABatch() {
        ModelConfig c = SyntheticPreset.named("qwen1.5-14b-gptq-int8").config();
        int[][] shapes = {{c.qDim() + 2 * c.kvDim(), c.hiddenSize()}, {c.hiddenSize(), c.qDim()},
                {2 * c.intermediateSize(), c.hiddenSize()}, {c.hiddenSize(), c.intermediateSize()}};
        for (int[] s : shapes) {
            int alone = NaiveKernels.splits(s[0], 1, s[1], H200);
            int batched = NaiveKernels.splits(s[0], 64, s[1], H200);
            assertNotEquals(alone, batched, s[0] + " x " + s[1] + ": one token and 64 take the same pieces");
            int previous = Integer.MAX_VALUE;
            for (int n = 1; n <= 4096; n++) {
                int p = NaiveKernels.splits(s[0], n, s[1], H200);
                assertTrue(p >= 1 && p <= previous, s[0] + " x " + s[1] + ", " + n + " tokens: " + p + " pieces");
                previous = p;
            }
        }
        // the vocabulary's rows fill the GPU alone: lm_head never splits
        assertEquals(1, NaiveKernels.splits(c.vocabSize(), 1, c.hiddenSize(), H200));
    }

    @Test
    void piecesAreWholeChunksOfK() {
        assertEquals(1, NaiveKernels.splits(64, 1, 31, H200));
        assertEquals(2, NaiveKernels.splits(64, 1, 64, H200));
        assertEquals(NaiveKernels.MAX_SPLITS, NaiveKernels.splits(64, 1, 4096, H200));
    }

    @Test
    void theWorkspaceHoldsEverySplitStep() {
        for (int sms : new int[] {1, 78, H200}) {
            long cap = NaiveKernels.workspaceFloats(sms);
            for (int rows = 1; rows <= 40_000; rows += 13) {
                for (int n = 1; n <= 2048; n += n < 64 ? 1 : 7) {
                    int s = NaiveKernels.splits(rows, n, 1 << 14, sms);
                    assertTrue(s == 1 || (long) s * n * rows <= cap, rows + " rows, " + n + " tokens, " + sms
                            + " multiprocessors: " + s + " pieces need " + (long) s * n * rows + " floats of " + cap);
                }
            }
        }
    }

    /** Flash-decoding's KV splits: many for a decode token alone, one once the (token, head) pairs fill the GPU. */
    @Test
    void kvSplitsFollowTheStepsTokensAndHeads() {
        assertEquals(4, NaiveKernels.kvSplits(1, 40, H200));  // Qwen1.5-14B, one decode token
        assertEquals(2, NaiveKernels.kvSplits(2, 40, H200));
        assertEquals(1, NaiveKernels.kvSplits(3, 40, H200));  // 120 pairs >= 80 % of 132
        assertEquals(NaiveKernels.MAX_KV_SPLITS, NaiveKernels.kvSplits(1, 1, 1000));
        for (int n = 1; n <= 64; n++) assertTrue(NaiveKernels.kvSplits(n, 8, H200) >= NaiveKernels.kvSplits(n + 1, 8, H200));
    }
}
