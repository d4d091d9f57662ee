package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.BeamSearch.Candidate;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The orders and formulas of beam search, on hand-made logits whose answers are worked out here. */
class BeamSearchTest {
    static SamplingParams beams(int width) {
        return SamplingParams.builder().useBeamSearch(true).n(1).bestOf(width).maxTokens(8).build();
    }

    @Test
    void tiesGoToTheLowerTokenThenTheLowerBeam() {
        // Two beams with the same cumulative log-probability and the same logits: every token value ties across
        // beams, and tokens 1 and 3 tie within a beam. Order: value desc, token asc, beam asc.
        float[] row = {0f, 2f, 1f, 2f, -1f};
        List<Candidate> c = BeamSearch.candidates(List.of(row, row.clone()), new float[] {-1f, -1f},
                List.of(new int[] {7}, new int[] {7}), 1, beams(2), Set.of());
        assertEquals(4, c.size(), "2 x width candidates");
        int[][] expected = {{1, 0}, {1, 1}, {3, 0}, {3, 1}};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i][0], c.get(i).token(), "token of candidate " + i);
            assertEquals(expected[i][1], c.get(i).parent(), "beam of candidate " + i);
        }
    }

    @Test
    void candidatesAddTheTokenLogprobToTheBeamsCumulativeInBinary32() {
        float[] a = {3f, 0f, 0f};
        float[] b = {0f, 0f, 5f};
        List<Candidate> c = BeamSearch.candidates(List.of(a, b), new float[] {-0.5f, -4f},
                List.of(new int[] {1}, new int[] {1}), 1, beams(1), Set.of());
        // Independently: log-softmax of {3,0,0} at 0 is 3 - ln(e^3 + 2); of {0,0,5} at 2 is 5 - ln(e^5 + 2).
        float lpA = (float) (3 - Math.log(Math.exp(3) + 2));
        float lpB = (float) (5 - Math.log(Math.exp(5) + 2));
        assertEquals(2, c.size());
        assertEquals(0, c.get(0).parent(), "beam 0 leads: -0.5 + " + lpA + " > -4 + " + lpB);
        assertEquals(0, c.get(0).token());
        assertEquals(lpA, c.get(0).tokenLogprob(), 1e-6f);
        assertEquals(-0.5f + c.get(0).tokenLogprob(), c.get(0).cumulativeLogprob(), 0f, "one binary32 add");
        assertEquals(-0.5f + (float) (0 - Math.log(Math.exp(3) + 2)), c.get(1).cumulativeLogprob(), 1e-6f,
                "second: beam 0's token 1 (-0.5 - 3.1) beats beam 1's token 2 (-4 - 0.013)");
        assertEquals(1, c.get(1).token());
    }

    @Test
    void scoreIsCumulativeOverLengthToThePenalty() {
        assertEquals(-6.0 / 4.0, BeamSearch.score(-6f, 4, 1f), 0);
        assertEquals(-6.0 / 16.0, BeamSearch.score(-6f, 4, 2f), 0);
        assertEquals(-6.0, BeamSearch.score(-6f, 4, 0f), 0);
    }

    @Test
    void earlyStoppingFollowsVllm() {
        // Worst kept finished: -1.0. Best running: cumulative -3 at length 4 (score -0.75) could still win.
        assertTrue(BeamSearch.stop(EarlyStopping.TRUE, 1f, -1.0, -3f, 4, 100));
        assertFalse(BeamSearch.stop(EarlyStopping.FALSE, 1f, -1.0, -3f, 4, 100));
        assertTrue(BeamSearch.stop(EarlyStopping.FALSE, 1f, -0.5, -3f, 4, 100));
        // never: with a positive penalty the running beam is judged at its longest: -3/100 beats -0.5.
        assertFalse(BeamSearch.stop(EarlyStopping.NEVER, 1f, -0.5, -3f, 4, 100));
        assertTrue(BeamSearch.stop(EarlyStopping.NEVER, -1f, -0.5, -3f, 4, 100), "penalty <= 0: current length");
    }

    @Test
    void parametersFollowVllmsRules() {
        assertThrows(EngineException.class, () -> SamplingParams.builder().useBeamSearch(true).temperature(0.5f)
                .bestOf(2).build(), "temperature must be 0");
        assertThrows(EngineException.class, () -> SamplingParams.builder().useBeamSearch(true).topK(5).build());
        assertThrows(EngineException.class, () -> SamplingParams.builder().useBeamSearch(true).n(3).bestOf(2).build(),
                "best_of >= n");
        assertThrows(EngineException.class, () -> SamplingParams.builder().n(2).bestOf(3).build(), "best_of > n needs beams");
        assertEquals(2, SamplingParams.builder().n(2).build().n(), "n samples without beams");
        assertThrows(EngineException.class, () -> SamplingParams.builder().lengthPenalty(2f).build());
        assertThrows(EngineException.class, () -> SamplingParams.builder().earlyStopping(EarlyStopping.NEVER).build());
        EngineException e = assertThrows(EngineException.class, () -> EarlyStopping.parse("sometimes"));
        assertEquals("early_stopping", e.param());
        SamplingParams p = SamplingParams.builder().useBeamSearch(true).n(3).build();
        assertEquals(3, p.beamWidth(), "best_of defaults to n");
    }
}
