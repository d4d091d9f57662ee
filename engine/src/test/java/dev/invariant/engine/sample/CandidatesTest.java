package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Which tokens survive each filter, on logits built so that the answer is clear by hand: ln of the
 * probabilities 0.5, 0.3, 0.15, 0.05, placed at ids 3, 0, 2, 1 (so candidate order is 3, 0, 2, 1).
 */
class CandidatesTest {
    private static final float[] LOGITS = new float[4];

    static {
        LOGITS[3] = (float) Math.log(0.5);
        LOGITS[0] = (float) Math.log(0.3);
        LOGITS[2] = (float) Math.log(0.15);
        LOGITS[1] = (float) Math.log(0.05);
    }

    private static int[] ids(int topK, float topP, float minP) {
        return Candidates.from(LOGITS.clone(), topK, topP, minP).ids();
    }

    @Test
    void noFilterKeepsEverythingInCandidateOrderWithItsProbability() {
        Candidates c = Candidates.from(LOGITS.clone(), 0, 1f, 0f);
        assertArrayEquals(new int[] {3, 0, 2, 1}, c.ids());
        assertArrayEquals(new float[] {0.5f, 0.3f, 0.15f, 0.05f}, c.probs(), 1e-6f);
    }

    @Test
    void topKKeepsTheKHighest() {
        assertArrayEquals(new int[] {3}, ids(1, 1f, 0f));
        assertArrayEquals(new int[] {3, 0}, ids(2, 1f, 0f));
        assertArrayEquals(new int[] {3, 0, 2, 1}, ids(9, 1f, 0f));
        assertArrayEquals(new float[] {0.5f / 0.8f, 0.3f / 0.8f}, Candidates.from(LOGITS.clone(), 2, 1f, 0f).probs(),
                1e-6f);
    }

    @Test
    void topPKeepsTheShortestPrefixReachingP() {
        assertArrayEquals(new int[] {3}, ids(0, 0.45f, 0f));
        assertArrayEquals(new int[] {3, 0}, ids(0, 0.55f, 0f));
        assertArrayEquals(new int[] {3, 0}, ids(0, 0.79f, 0f));
        assertArrayEquals(new int[] {3, 0, 2}, ids(0, 0.81f, 0f));
        assertArrayEquals(new int[] {3, 0, 2, 1}, ids(0, 0.96f, 0f));
    }

    @Test
    void minPKeepsThoseAtLeastMinPTimesTheTop() {
        assertArrayEquals(new int[] {3, 0, 2}, ids(0, 1f, 0.2f));   // threshold 0.1
        assertArrayEquals(new int[] {3, 0}, ids(0, 1f, 0.5f));      // threshold 0.25
        assertArrayEquals(new int[] {3}, ids(0, 1f, 0.61f));        // threshold 0.305
        assertArrayEquals(new int[] {3, 0, 2, 1}, ids(0, 1f, 0.09f)); // threshold 0.045
    }

    @Test
    void filtersApplyInOrderTopKThenTopPThenMinP() {
        // top-k 3 renormalises to 0.526, 0.316, 0.158, so top-p 0.83 is reached at the second
        // (top-p first, on 0.5, 0.3, 0.15, would have kept three).
        assertArrayEquals(new int[] {3, 0}, ids(3, 0.83f, 0f));
        // 0.5 + 0.3 is short of 0.81, so top-p keeps three; min-p 0.35 (threshold 0.175) then drops id 2.
        assertArrayEquals(new int[] {3, 0}, ids(0, 0.81f, 0.35f));
    }

    @Test
    void equalValuesAreOrderedByIdAndTopKCutsTiesByLowestId() {
        float[] logits = {1f, 3f, 3f, 2f, 3f};
        assertArrayEquals(new int[] {1, 2, 4, 3, 0}, Candidates.from(logits, 0, 1f, 0f).ids());
        assertArrayEquals(new int[] {1, 2}, Candidates.from(logits, 2, 1f, 0f).ids());
        Candidates tied = Candidates.from(logits, 3, 1f, 0f);
        assertEquals(tied.probs()[0], tied.probs()[2]);
    }

    @Test
    void tokensWithZeroProbabilityAreNotCandidates() {
        float[] logits = {0f, Float.NEGATIVE_INFINITY, 0f, -200f, -103f};
        assertArrayEquals(new int[] {0, 2, 4}, Candidates.from(logits, 0, 1f, 0f).ids());
    }

    @Test
    void drawPicksTheFirstCandidateWhoseRunningSumExceedsU() {
        Candidates c = Candidates.from(LOGITS.clone(), 0, 1f, 0f);
        assertEquals(3, c.draw(0f));
        assertEquals(3, c.draw(0.49f));
        assertEquals(0, c.draw(0.51f));
        assertEquals(2, c.draw(0.85f));
        assertEquals(1, c.draw(0.96f));
        assertEquals(1, c.draw(Math.nextDown(1f)));
    }
}
