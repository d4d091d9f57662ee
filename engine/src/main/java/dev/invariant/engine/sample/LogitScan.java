package dev.invariant.engine.sample;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Whole-row scans of a logits row, vectorised: every step of a large batch reads each row (152K values for a Qwen
 * vocabulary) on the engine thread, and a scalar loop made that a larger share of a GPU step than the forward pass.
 * Both scans return exactly what their one-value-at-a-time definitions return (comparisons and max are exact).
 */
final class LogitScan {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private LogitScan() {}

    /** The lowest id whose value is NaN or +infinity, or -1. */
    static int firstNotFiniteAbove(float[] v) {
        int i = 0;
        for (int bound = S.loopBound(v.length); i < bound; i += S.length()) {
            FloatVector x = FloatVector.fromArray(S, v, i);
            VectorMask<Float> bad = x.test(VectorOperators.IS_NAN).or(x.eq(Float.POSITIVE_INFINITY));
            if (bad.anyTrue()) return i + bad.firstTrue();
        }
        for (; i < v.length; i++) {
            if (Float.isNaN(v[i]) || v[i] == Float.POSITIVE_INFINITY) return i;
        }
        return -1;
    }

    /**
     * The id of the highest value, ties to the lowest id (-0 and +0 tie), for rows without NaN: the first id whose
     * value equals the row's maximum. A row with a NaN takes the scalar definition (NaN never wins but at id 0).
     */
    static int argmax(float[] v) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        int bound = S.loopBound(v.length);
        if (bound > 0) {
            FloatVector m = FloatVector.fromArray(S, v, 0);
            for (i = S.length(); i < bound; i += S.length()) m = m.max(FloatVector.fromArray(S, v, i));
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < v.length; i++) max = Math.max(max, v[i]);
        if (Float.isNaN(max)) return scalarArgmax(v);
        i = 0;
        for (; i < bound; i += S.length()) {
            VectorMask<Float> hit = FloatVector.fromArray(S, v, i).eq(max);
            if (hit.anyTrue()) return i + hit.firstTrue();
        }
        for (; i < v.length; i++) {
            if (v[i] == max) return i;
        }
        return 0;  // an empty row
    }

    /** Highest value; ties go to the lowest id: the definition. */
    static int scalarArgmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) best = i;
        }
        return best;
    }
}
