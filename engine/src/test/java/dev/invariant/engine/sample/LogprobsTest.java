package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.TokenLogprob;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogprobsTest {

    @Test
    void logprobsAreTheLogSoftmaxOfTheRawLogits() {
        float[] logits = {1f, 3f, 2f, -1f};
        double z = Math.log(Math.exp(1) + Math.exp(3) + Math.exp(2) + Math.exp(-1));
        TokenLogprob lp = Logprobs.of(logits, 2, 2);
        assertEquals(2, lp.tokenId());
        assertEquals((float) (2 - z), lp.logprob(), 1e-6f);
        assertEquals(1, lp.top().get(0).tokenId());
        assertEquals((float) (3 - z), lp.top().get(0).logprob(), 1e-6f);
        assertEquals(2, lp.top().get(1).tokenId());
    }

    @Test
    void topAlternativesAreOrderedByValueThenLowestId() {
        float[] logits = {5f, 7f, 7f, 0f, 7f, 6f};
        assertArrayEquals(new int[] {1, 2, 4, 5}, Logprobs.topIds(logits, 4));
        assertArrayEquals(new int[] {}, Logprobs.topIds(logits, 0));
        assertArrayEquals(new int[] {1, 2, 4, 5, 0, 3}, Logprobs.topIds(logits, 6));
    }

    @Test
    void probabilitiesSumToOneAndMatchAFullSort() {
        Random rnd = new Random(3);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) logits[i] = (float) (rnd.nextGaussian() * 4);
        TokenLogprob lp = Logprobs.of(logits, 17, 20);
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
        for (int i = 0; i < 20; i++) assertEquals(order[i], lp.top().get(i).tokenId());
        double sum = 0;
        for (int i = 0; i < logits.length; i++) sum += Math.exp(Logprobs.of(logits, i, 0).logprob());
        assertEquals(1.0, sum, 1e-4);
        assertTrue(lp.logprob() < 0);
    }
}
