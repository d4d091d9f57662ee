package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplerExpTest {

    /** Distance in units of the reference's float ulp (subnormal ulp below the normal range). */
    private static double ulpError(float x) {
        double ref = Math.exp(x);
        return Math.abs(SamplerExp.exp(x) - ref) / Math.ulp((float) ref);
    }

    @Test
    void underOneUlpAcrossTheWholeFiniteRange() {
        SplittableRandom rnd = new SplittableRandom(1);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            float x = (float) rnd.nextDouble(-103.9, 88.72);
            worst = Math.max(worst, ulpError(x));
        }
        for (int i = 0; i < 200_000; i++) { // the softmax range, densely
            float x = (float) rnd.nextDouble(-20, 0);
            worst = Math.max(worst, ulpError(x));
        }
        assertTrue(worst <= 1.0, "worst error " + worst + " ulp");
    }

    @Test
    void edgesAndSpecialValues() {
        assertEquals(1f, SamplerExp.exp(0f));
        assertEquals(1f, SamplerExp.exp(-0f));
        assertEquals(0f, SamplerExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, SamplerExp.exp(-104.5f));
        assertEquals(Float.POSITIVE_INFINITY, SamplerExp.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, SamplerExp.exp(Math.nextUp(SamplerExp.MAX_ARG)));
        assertTrue(Float.isFinite(SamplerExp.exp(SamplerExp.MAX_ARG)));
        assertTrue(ulpError(SamplerExp.MAX_ARG) <= 1.0);
        assertTrue(Float.isNaN(SamplerExp.exp(Float.NaN)));
        float sub = SamplerExp.exp(-100f); // subnormal result
        assertTrue(sub > 0f && sub < Float.MIN_NORMAL);
        assertTrue(ulpError(-100f) <= 1.0);
    }

    @Test
    void monotoneOnAFineGridBelowZero() {
        float previous = 0f;
        for (float x = -30f; x <= 0f; x = Math.nextUp(x + 0.0001f)) {
            float e = SamplerExp.exp(x);
            assertTrue(e >= previous, "exp decreased at " + x);
            previous = e;
        }
    }
}
