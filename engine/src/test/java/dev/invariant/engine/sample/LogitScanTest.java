package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The vectorised scans against their one-value-at-a-time definitions, on rows built to hit every edge. */
class LogitScanTest {
    /** Values drawn from a small set so that ties, -0 / +0 and infinities are common; lengths around vector sizes. */
    private static float[] row(SplittableRandom rnd, int n, boolean nan) {
        float[] pool = {-0f, 0f, 1f, -1f, 2.5f, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE,
                Float.MIN_VALUE, 3.25f, Float.POSITIVE_INFINITY};
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(3) == 0 ? pool[rnd.nextInt(pool.length)] : (float) rnd.nextGaussian();
        if (nan && n > 0) v[rnd.nextInt(n)] = rnd.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY;
        return v;
    }

    @Test
    void argmaxIsTheFirstHighestValue() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int t = 0; t < 20_000; t++) {
            int n = 1 + rnd.nextInt(t % 10 == 0 ? 2000 : 70);
            float[] v = row(rnd, n, false);
            assertEquals(LogitScan.scalarArgmax(v), LogitScan.argmax(v), "row " + t);
        }
        assertEquals(0, LogitScan.argmax(new float[] {-0f, 0f}));
        assertEquals(0, LogitScan.argmax(new float[] {0f, -0f}));
        assertEquals(0, LogitScan.argmax(new float[70]));
        assertEquals(65, LogitScan.argmax(withAt(new float[70], 65, 1f)));
    }

    @Test
    void argmaxOfARowWithNaNFollowsTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int t = 0; t < 5_000; t++) {
            float[] v = row(rnd, 1 + rnd.nextInt(100), false);
            v[rnd.nextInt(v.length)] = Float.NaN;
            assertEquals(LogitScan.scalarArgmax(v), LogitScan.argmax(v), "row " + t);
        }
    }

    @Test
    void firstNotFiniteAboveFindsTheLowestNaNOrPlusInfinity() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int t = 0; t < 20_000; t++) {
            float[] v = row(rnd, 1 + rnd.nextInt(t % 10 == 0 ? 2000 : 70), rnd.nextBoolean());
            int expected = -1;
            for (int i = 0; i < v.length && expected < 0; i++) {
                if (Float.isNaN(v[i]) || v[i] == Float.POSITIVE_INFINITY) expected = i;
            }
            assertEquals(expected, LogitScan.firstNotFiniteAbove(v), "row " + t);
        }
    }

    private static float[] withAt(float[] v, int i, float x) {
        v[i] = x;
        return v;
    }
}
