package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.numerics.ExpVectors;
import dev.invariant.engine.numerics.FloatMath;
import java.util.Arrays;

/**
 * The tokens that may be drawn and their probabilities, in candidate order (value descending, id
 * ascending), computed by steps 3 to 8 of docs/sampling.md with plain float32 operations.
 *
 * @param ids   token ids in candidate order
 * @param probs their renormalised probabilities, all > 0
 */
record Candidates(int[] ids, float[] probs) {

    /**
     * Builds the distribution from temperature-scaled logits.
     *
     * @param scaled logits after penalties, divided by the temperature; no NaN, no +infinity
     */
    static Candidates from(float[] scaled, int topK, float topP, float minP) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : scaled) max = Math.max(max, v);
        if (max == Float.NEGATIVE_INFINITY) {
            throw new EngineException(ErrorCode.INTERNAL,
                    "every logit is -infinity, so no token can be sampled: check the model's output");
        }
        long[] keys = topK > 0 && topK < scaled.length ? topKeys(scaled, max, topK) : allKeys(scaled, max);
        int count = keys.length;

        // Softmax: e_i = exp(x_i - max); zero terms are dropped; the sum runs in candidate order.
        int[] ids = new int[count];
        float[] probs = new float[count];
        for (int i = 0; i < count; i++) {
            ids[i] = SortKeys.id(keys[i]);
            probs[i] = scaled[ids[i]] - max;
        }
        ExpVectors.expInPlace(probs, 0, count);  // FloatMath.exp's bits, 8 at a time
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (probs[i] > 0f) {
                ids[kept] = ids[i];
                probs[kept++] = probs[i];
            }
        }
        divideBySum(probs, kept);

        if (topP < 1f) kept = topPPrefix(probs, kept, topP);
        if (minP > 0f) kept = keepAtLeast(ids, probs, kept, minP * probs[0]);
        divideBySum(probs, kept);
        return new Candidates(Arrays.copyOf(ids, kept), Arrays.copyOf(probs, kept));
    }

    /**
     * Whether {@code v} can have a probability: values with v - max < EXP_MIN_INPUT have exp 0 and sit at the tail
     * of the order, so leaving them out changes no result, only the amount of sorting.
     */
    private static boolean mayDraw(float v, float max) {
        return v - max >= FloatMath.EXP_MIN_INPUT;
    }

    /** The sort keys of the k first candidates, in candidate order: a heap of the k best kept during the scan. */
    private static long[] topKeys(float[] scaled, float max, int topK) {
        SortKeys.Smallest top = new SortKeys.Smallest(topK);
        for (int id = 0; id < scaled.length; id++) {
            float v = scaled[id];
            if (mayDraw(v, max) && top.admits(v)) top.offer(SortKeys.key(v, id));
        }
        return top.sorted();
    }

    /** The sort keys of every candidate, in candidate order. */
    private static long[] allKeys(float[] scaled, float max) {
        long[] keys = new long[scaled.length];
        int count = 0;
        for (int id = 0; id < scaled.length; id++) {
            if (mayDraw(scaled[id], max)) keys[count++] = SortKeys.key(scaled[id], id);
        }
        SortKeys.sortInIdOrder(keys, count); // made in ascending id order
        return count == keys.length ? keys : Arrays.copyOf(keys, count);
    }

    /** Index of the first candidate whose running sum of probabilities exceeds u; the last one if none does. */
    int draw(float u) {
        float cumulative = 0f;
        for (int i = 0; i < probs.length; i++) {
            cumulative += probs[i];
            if (cumulative > u) return ids[i];
        }
        return ids[probs.length - 1];
    }

    private static void divideBySum(float[] values, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) sum += values[i];
        for (int i = 0; i < n; i++) values[i] = values[i] / sum;
    }

    /** Length of the shortest prefix whose running sum reaches topP; all of them if rounding never gets there. */
    private static int topPPrefix(float[] probs, int n, float topP) {
        float cumulative = 0f;
        for (int i = 0; i < n; i++) {
            cumulative += probs[i];
            if (cumulative >= topP) return i + 1;
        }
        return n;
    }

    /** Keeps, in order, the candidates whose probability is at least the threshold; returns how many. */
    private static int keepAtLeast(int[] ids, float[] probs, int n, float threshold) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (probs[i] >= threshold) {
                ids[kept] = ids[i];
                probs[kept++] = probs[i];
            }
        }
        return kept;
    }
}
