package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatMathTest {

    @Test
    void constantsAreTheirDefinitions() {
        assertEquals(Float.floatToRawIntBits(ExpSpecification.LOG2E), Float.floatToRawIntBits(FloatMath.LOG2E));
        assertEquals(Float.floatToRawIntBits(ExpSpecification.LN2_HI), Float.floatToRawIntBits(FloatMath.LN2_HI));
        assertEquals(Float.floatToRawIntBits(ExpSpecification.LN2_LO), Float.floatToRawIntBits(FloatMath.LN2_LO));
        for (int k = 0; k <= 7; k++) {
            assertEquals(Float.floatToRawIntBits(ExpSpecification.coefficient(k)),
                    Float.floatToRawIntBits(FloatMath.EXP_POLY[k]), "1/" + k + "!");
        }
    }

    @Test
    void expBitsEqualAnExactTranscriptionOfTheContract() {
        float[] chosen = {0f, -0f, 1f, -1f, 0.5f, 0.34657359f, -0.34657359f, 10f, -10f, 88.5f, 88.72283f, -87.3f,
            -87.5f, -100f, -103.5f, -103.97f, 1e-8f, -1e-8f, 3.1415927f, 20.25f, -45.125f, 64f, 0.6931472f};
        for (float x : chosen) assertSameBits(ExpSpecification.exp(x), FloatMath.exp(x), "exp(" + x + ")");
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            float x = (float) (rnd.nextDouble() * 200 - 106);
            assertSameBits(ExpSpecification.exp(x), FloatMath.exp(x), "exp(" + x + ")");
        }
    }

    @Test
    void siluBitsEqualAnExactTranscriptionOfTheContract() {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] chosen = {0f, 1f, -1f, 5f, -5f, 30f, -30f, 100f, -100f, 0.001f};
        for (float x : chosen) assertSameBits(ExpSpecification.silu(x), FloatMath.silu(x), "silu(" + x + ")");
        for (int i = 0; i < 2000; i++) {
            float x = (float) (rnd.nextGaussian() * 8);
            assertSameBits(ExpSpecification.silu(x), FloatMath.silu(x), "silu(" + x + ")");
        }
    }

    @Test
    void expIsWithinTwoUlpOfTheTrueValue() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (rnd.nextDouble() * 175 - 87);
            double truth = StrictMath.exp(x);
            float got = FloatMath.exp(x);
            double ulp = Math.ulp((float) truth);
            assertTrue(Math.abs(got - truth) <= 2 * ulp, "exp(" + x + ") = " + got + " vs " + truth);
        }
    }

    @Test
    void expEdgeCases() {
        assertEquals(1.0f, FloatMath.exp(0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(89.5f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        // subnormal results: exp(-100) ~ 3.7e-44, within one subnormal step of the truth
        float sub = FloatMath.exp(-100f);
        assertTrue(sub > 0 && sub < Float.MIN_NORMAL);
        assertTrue(Math.abs(sub - StrictMath.exp(-100)) <= Float.MIN_VALUE);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatMath.silu(-200f)));
    }

    private static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Integer.toHexString(Float.floatToRawIntBits(expected)),
                Integer.toHexString(Float.floatToRawIntBits(actual)), what);
    }
}
