package dev.invariant.engine.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import org.junit.jupiter.api.Test;

/**
 * The naive profile's split-K choice on the GPU (NaiveProjections.splits), no device needed: it follows the step's
 * token count on the seed report's shape, and its workspace bound holds for every shape and step.
 */
class NaiveSplitsTest {
    private static final int H200 = 132;  // multiprocessors

    @Test
    void theSeedReportsProjectionsSplitDifferentlyAloneAndInABatch() {
        ModelConfig c = SyntheticPreset.named("qwen1.5-14b-gptq-int8").config();
        int[][] shapes = {{c.qDim() + 2 * c.kvDim(), c.hiddenSize()}, {c.hiddenSize(), c.qDim()},
                {2 * c.intermediateSize(), c.hiddenSize()}, {c.hiddenSize(), c.intermediateSize()}};
        for (int[] s : shapes) {
            int alone = NaiveProjections.splits(s[0], 1, s[1], H200);
            int batched = NaiveProjections.splits(s[0], 64, s[1], H200);
            assertNotEquals(alone, batched, s[0] + " x " + s[1] + ": one token and 64 take the same pieces");
            int previous = Integer.MAX_VALUE;
            for (int n = 1; n <= 4096; n++) {
                int p = NaiveProjections.splits(s[0], n, s[1], H200);
                assertTrue(p >= 1 && p <= previous, s[0] + " x " + s[1] + ", " + n + " tokens: " + p + " pieces");
                previous = p;
            }
        }
        // the vocabulary's rows fill the GPU alone: lm_head never splits
        assertEquals(1, NaiveProjections.splits(c.vocabSize(), 1, c.hiddenSize(), H200));
    }

    @Test
    void piecesAreWholeChunksOfK() {
        assertEquals(1, NaiveProjections.splits(64, 1, 31, H200));
        assertEquals(2, NaiveProjections.splits(64, 1, 64, H200));
        assertEquals(NaiveProjections.MAX_SPLITS, NaiveProjections.splits(64, 1, 4096, H200));
    }

    @Test
    void theWorkspaceHoldsEverySplitStep() {
        for (int sms : new int[] {1, 78, H200}) {
            long cap = NaiveProjections.workspaceFloats(sms);
            for (int rows = 1; rows <= 40_000; rows += 13) {
                for (int n = 1; n <= 2048; n += n < 64 ? 1 : 7) {
                    int s = NaiveProjections.splits(rows, n, 1 << 14, sms);
                    assertTrue(s == 1 || (long) s * n * rows <= cap, rows + " rows, " + n + " tokens, " + sms
                            + " multiprocessors: " + s + " pieces need " + (long) s * n * rows + " floats of " + cap);
                }
            }
        }
    }
}
