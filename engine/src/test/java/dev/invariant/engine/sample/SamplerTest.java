package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerTest {
    private static final int[] NO_HISTORY = {};

    static float[] randomLogits(long seed, int vocab) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) logits[i] = (float) (rnd.nextGaussian() * 3);
        return logits;
    }

    private static int[] rawBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) bits[i] = Float.floatToRawIntBits(values[i]);
        return bits;
    }

    @Test
    void greedyTiesGoToTheLowestId() {
        SamplingParams greedy = SamplingParams.greedy(1);
        assertEquals(1, Sampler.sample(new float[] {1f, 5f, 5f, 2f, 5f}, greedy, 0, 0, NO_HISTORY, 0));
        assertEquals(0, Sampler.sample(new float[] {-0f, 0f}, greedy, 0, 0, NO_HISTORY, 0));
        assertEquals(0, Sampler.sample(new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, greedy, 0, 0,
                NO_HISTORY, 0));
    }

    @Test
    void greedyIgnoresSeedAndPosition() {
        float[] logits = randomLogits(1, 500);
        int expected = Sampler.argmax(logits);
        for (int position = 0; position < 20; position++) {
            assertEquals(expected, Sampler.sample(logits, SamplingParams.greedy(1), position * 7919L, position,
                    NO_HISTORY, 0));
        }
    }

    @Test
    void greedyAppliesPenaltiesFirst() {
        SamplingParams p = SamplingParams.builder().repetitionPenalty(2f).build();
        assertEquals(1, Sampler.sample(new float[] {2f, 1.9f}, p, 0, 0, new int[] {0}, 1));
    }

    @Test
    void logitsAreNotModified() {
        float[] logits = randomLogits(2, 300);
        int[] before = rawBits(logits);
        SamplingParams p = SamplingParams.builder().temperature(0.7f).topK(50).topP(0.9f).minP(0.01f)
                .repetitionPenalty(1.3f).presencePenalty(0.5f).frequencyPenalty(0.5f).build();
        Sampler.sample(logits, p, 99, 3, new int[] {1, 2, 3, 4, 4}, 2);
        assertArrayEquals(before, rawBits(logits));
    }

    @Test
    void aDrawDependsOnlyOnItsInputsNotOnCallOrder() {
        SamplingParams p = SamplingParams.builder().temperature(1.1f).topP(0.95f).build();
        int positions = 200;
        float[][] logits = new float[positions][];
        for (int i = 0; i < positions; i++) logits[i] = randomLogits(1000 + i, 2000);
        int[] inOrder = new int[positions];
        for (int i = 0; i < positions; i++) inOrder[i] = Sampler.sample(logits[i], p, 42, i, NO_HISTORY, 0);

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < positions; i++) order.add(i);
        Collections.shuffle(order, new Random(5));
        int[] shuffled = new int[positions];
        for (int i : order) {
            Sampler.sample(randomLogits(i, 2000), p, 7, i, NO_HISTORY, 0); // another request in between
            shuffled[i] = Sampler.sample(logits[i].clone(), p, 42, i, NO_HISTORY, 0);
        }
        assertArrayEquals(inOrder, shuffled);
    }

    @Test
    void everyHalfOfTheSeedAndThePositionMatter() {
        float[] logits = new float[1000]; // uniform: every draw shows the generator's output
        SamplingParams p = SamplingParams.builder().temperature(1f).build();
        long[] seeds = {0x0000_0001_0000_0001L, 0x0000_0002_0000_0001L, 0x0000_0001_0000_0002L};
        int[][] streams = new int[seeds.length][32];
        for (int s = 0; s < seeds.length; s++) {
            for (int i = 0; i < 32; i++) streams[s][i] = Sampler.sample(logits, p, seeds[s], i, NO_HISTORY, 0);
        }
        assertFalse(java.util.Arrays.equals(streams[0], streams[1]), "high half of the seed ignored");
        assertFalse(java.util.Arrays.equals(streams[0], streams[2]), "low half of the seed ignored");
        assertTrue(java.util.Arrays.stream(streams[0]).distinct().count() > 20, "positions do not vary the draw");
    }

    @Test
    void uniformIsInTheUnitIntervalAndUsesTheTop24Bits() {
        for (int position = 0; position < 1000; position++) {
            float u = Sampler.uniform(-1L, position);
            assertTrue(u >= 0f && u < 1f);
            assertEquals(u, (float) (int) (u * 0x1p24f) * 0x1p-24f); // a multiple of 2^-24
        }
    }

    @Test
    void badInputIsRejectedWithACode() {
        SamplingParams sampled = SamplingParams.builder().temperature(1f).build();
        assertCode(ErrorCode.INTERNAL, () -> Sampler.sample(new float[] {0f, Float.NaN}, sampled, 0, 0, NO_HISTORY, 0));
        assertCode(ErrorCode.INTERNAL, () -> Sampler.sample(new float[0], sampled, 0, 0, NO_HISTORY, 0));
        assertCode(ErrorCode.INTERNAL, () -> Sampler.sample(new float[] {Float.NEGATIVE_INFINITY}, sampled, 0, 0,
                NO_HISTORY, 0));
        assertCode(ErrorCode.INVALID_PARAM, () -> Sampler.sample(new float[] {0f}, sampled, 0, -1, NO_HISTORY, 0));
        assertCode(ErrorCode.INVALID_PARAM, () -> Sampler.sample(new float[] {0f}, sampled, 0, 0, new int[] {0}, 2));
        SamplingParams tiny = SamplingParams.builder().temperature(1e-38f).build();
        assertCode(ErrorCode.INVALID_PARAM, () -> Sampler.sample(new float[] {0f, 100f}, tiny, 0, 0, NO_HISTORY, 0));
    }

    private static void assertCode(ErrorCode code, org.junit.jupiter.api.function.Executable call) {
        assertEquals(code, assertThrows(EngineException.class, call).code());
    }
}
