package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Over many output positions, the drawn tokens follow the intended distribution. Expected probabilities
 * are computed independently here, in double with Math.exp. Chi-square thresholds are the 0.1% critical
 * values, so a correct sampler passes these fixed seeds with a wide margin and a biased one does not.
 */
class SamplingDistributionTest {
    private static final float[] LOGITS = {1.0f, 2.5f, 0.2f, 2.0f, -1.0f, 1.7f};

    private static double[] softmax(float[] logits, double temperature, int[] keep) {
        double[] p = new double[logits.length];
        double sum = 0;
        for (int id : keep) sum += p[id] = Math.exp(logits[id] / temperature);
        for (int id : keep) p[id] /= sum;
        return p;
    }

    private static double chiSquare(int[] counts, double[] expected, int draws) {
        double chi = 0;
        for (int id = 0; id < counts.length; id++) {
            if (expected[id] == 0) {
                assertEquals(0, counts[id], "token " + id + " should never be drawn");
                continue;
            }
            double e = expected[id] * draws;
            chi += (counts[id] - e) * (counts[id] - e) / e;
        }
        return chi;
    }

    private static int[] draw(SamplingParams p, long seed, int draws) {
        int[] counts = new int[LOGITS.length];
        for (int position = 0; position < draws; position++) {
            counts[Sampler.sample(LOGITS, p, seed, position, new int[0], 0)]++;
        }
        return counts;
    }

    @Test
    void plainTemperatureSamplingFollowsTheSoftmax() {
        int draws = 30_000;
        SamplingParams p = SamplingParams.builder().temperature(0.7f).build();
        double[] expected = softmax(LOGITS, 0.7, new int[] {0, 1, 2, 3, 4, 5});
        double chi = chiSquare(draw(p, 2024, draws), expected, draws);
        assertTrue(chi < 20.52, "chi-square " + chi + " over 5 degrees of freedom"); // p = 0.001
    }

    @Test
    void truncatedSamplingFollowsTheRenormalisedSoftmax() {
        // top-k 4 keeps ids 1, 3, 5, 0; at T = 1 their shares are .439 .266 .197 .098: the running sum
        // reaches 0.9 at id 5 (.902), so top-p 0.9 drops id 0.
        int draws = 30_000;
        SamplingParams p = SamplingParams.builder().temperature(1f).topK(4).topP(0.9f).build();
        double[] expected = softmax(LOGITS, 1.0, new int[] {1, 3, 5});
        double chi = chiSquare(draw(p, 77, draws), expected, draws);
        assertTrue(chi < 13.82, "chi-square " + chi + " over 2 degrees of freedom"); // p = 0.001
    }

    @Test
    void theUniformDrawIsUniform() {
        int draws = 100_000;
        int bins = 20;
        int[] counts = new int[bins];
        for (int position = 0; position < draws; position++) {
            counts[(int) (Sampler.uniform(123456789L, position) * bins)]++;
        }
        double e = (double) draws / bins;
        double chi = 0;
        for (int c : counts) chi += (c - e) * (c - e) / e;
        assertTrue(chi < 43.82, "chi-square " + chi + " over 19 degrees of freedom"); // p = 0.001
    }
}
