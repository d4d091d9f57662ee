package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FloatMath.tanh and geluTanh (Gemma 3's MLP and final softcap) against docs/numerics.md §5 and the true values. */
class GeluTanhTest {

    /** docs/numerics.md §5, written out again: the contract's exp, then every operation rounded to float. */
    private static float tanhSpec(float x) {
        float t = ExpSpecification.exp(-2.0f * Math.abs(x));
        float r = (1.0f - t) / (1.0f + t);
        return x < 0 || (x == 0 && 1 / x < 0) ? -r : r;
    }

    private static float geluSpec(float x) {
        float beta = (float) Math.sqrt(2.0 / Math.PI);
        float inner = beta * (x + 0.044715f * (x * x * x));
        return 0.5f * x * (1.0f + tanhSpec(inner));
    }

    @Test
    void bitsEqualATranscriptionOfTheContract() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] chosen = {0f, -0f, 1f, -1f, 1e-8f, -1e-8f, 0.5f, 3f, -3f, 9f, 9.5f, -20f, 60f, 1e30f, -1e30f,
            Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        for (float x : chosen) {
            assertEquals(Float.floatToRawIntBits(tanhSpec(x)), Float.floatToRawIntBits(FloatMath.tanh(x)), "tanh " + x);
        }
        for (int i = 0; i < 20_000; i++) {
            float x = (float) (rnd.nextGaussian() * 6);
            assertEquals(Float.floatToRawIntBits(tanhSpec(x)), Float.floatToRawIntBits(FloatMath.tanh(x)), "tanh " + x);
            assertEquals(Float.floatToRawIntBits(geluSpec(x)), Float.floatToRawIntBits(FloatMath.geluTanh(x)),
                    "gelu " + x);
        }
        assertTrue(Float.isNaN(FloatMath.tanh(Float.NaN)));
        assertTrue(Float.isNaN(FloatMath.geluTanh(Float.NaN)));
    }

    @Test
    void tanhIsCloseToTheTrueValue() {
        SplittableRandom rnd = new SplittableRandom(9);
        double worstAbs = 0;
        double worstUlpAwayFromZero = 0;
        for (int i = 0; i < 400_000; i++) {
            float x = (float) rnd.nextDouble(-12, 12);
            double truth = StrictMath.tanh(x);
            float have = FloatMath.tanh(x);
            worstAbs = Math.max(worstAbs, Math.abs(have - truth));
            if (Math.abs(x) >= 0.55) worstUlpAwayFromZero = Math.max(worstUlpAwayFromZero,
                    Math.abs(have - truth) / Math.ulp((float) truth));
        }
        assertTrue(worstAbs < 1.2e-7, "worst absolute error " + worstAbs);
        assertTrue(worstUlpAwayFromZero <= 4, "worst error where |x| >= 0.55: " + worstUlpAwayFromZero + " ulp");
        assertEquals(1.0f, FloatMath.tanh(9.5f));
        assertEquals(-1.0f, FloatMath.tanh(Float.NEGATIVE_INFINITY));
    }

    @Test
    void geluIsCloseToTheTanhFormInDouble() {
        SplittableRandom rnd = new SplittableRandom(13);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (rnd.nextGaussian() * 4);
            double inner = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
            double truth = 0.5 * x * (1 + Math.tanh(inner));
            double err = Math.abs(FloatMath.geluTanh(x) - truth);
            assertTrue(err <= 2e-7 * Math.max(1, Math.abs(x)), "gelu(" + x + ") off by " + err);
        }
    }
}
