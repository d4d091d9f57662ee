package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

/** Values below are worked out by hand; all are exact in binary, so equality is exact. */
class PenaltiesTest {
    private static final float[] LOGITS = {2f, -2f, 1f, 0.5f, 3f};
    private static final int[] HISTORY = {0, 1, 0, /* output: */ 2, 2, 0};
    private static final int PROMPT_LENGTH = 3;

    private static float[] apply(SamplingParams p) {
        return Penalties.apply(LOGITS.clone(), p, HISTORY, PROMPT_LENGTH);
    }

    @Test
    void allThreeTogether() {
        SamplingParams p = SamplingParams.builder()
                .repetitionPenalty(2f).frequencyPenalty(0.5f).presencePenalty(0.25f).build();
        // id0: 2/2 = 1, once in output: 1 - 0.5*1 - 0.25 = 0.25
        // id1: prompt only, negative: -2*2 = -4; no output penalty
        // id2: 1/2 = 0.5, twice in output: 0.5 - 0.5*2 - 0.25 = -0.75
        // id3, id4: never seen
        assertArrayEquals(new float[] {0.25f, -4f, -0.75f, 0.5f, 3f}, apply(p));
    }

    @Test
    void repetitionCountsEachIdOnceAcrossPromptAndOutput() {
        SamplingParams p = SamplingParams.builder().repetitionPenalty(2f).build();
        assertArrayEquals(new float[] {1f, -4f, 0.5f, 0.5f, 3f}, apply(p));
    }

    @Test
    void frequencyAndPresenceSeeOnlyTheOutput() {
        SamplingParams frequency = SamplingParams.builder().frequencyPenalty(1.5f).build();
        assertArrayEquals(new float[] {0.5f, -2f, -2f, 0.5f, 3f}, apply(frequency));
        SamplingParams presence = SamplingParams.builder().presencePenalty(-1f).build();
        assertArrayEquals(new float[] {3f, -2f, 2f, 0.5f, 3f}, apply(presence));
    }

    @Test
    void zeroLogitStaysZeroUnderRepetition() {
        float[] out = Penalties.apply(new float[] {0f, 1f}, SamplingParams.builder().repetitionPenalty(1.7f).build(),
                new int[] {0}, 1);
        assertEquals(0f, out[0]);
        assertEquals(1f, out[1]);
    }

    @Test
    void disabledPenaltiesReturnTheInputUntouched() {
        float[] logits = LOGITS.clone();
        assertSame(logits, Penalties.apply(logits, SamplingParams.greedy(4), HISTORY, PROMPT_LENGTH));
        assertArrayEquals(LOGITS, logits);
    }

    @Test
    void inputIsNeverModified() {
        float[] logits = LOGITS.clone();
        Penalties.apply(logits, SamplingParams.builder().repetitionPenalty(3f).presencePenalty(1f).build(),
                HISTORY, PROMPT_LENGTH);
        assertArrayEquals(LOGITS, logits);
    }

    @Test
    void idOutsideTheVocabularyIsRejected() {
        EngineException e = assertThrows(EngineException.class, () -> Penalties.apply(LOGITS,
                SamplingParams.builder().repetitionPenalty(2f).build(), new int[] {0, 5}, 1));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
    }
}
