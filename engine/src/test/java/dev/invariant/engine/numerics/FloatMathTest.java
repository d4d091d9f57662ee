package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatMathTest {

    @Test
    void constantsAreTheirDefinitions() {
        assertSameBits(ExpSpecification.LOG2E, FloatMath.LOG2E, "LOG2E");
        assertSameBits(ExpSpecification.LN2_HI, FloatMath.LN2_HI, "LN2_HI");
        assertSameBits(ExpSpecification.LN2_LO, FloatMath.LN2_LO, "LN2_LO");
        assertSameBits(ExpSpecification.MAX_INPUT, FloatMath.EXP_MAX_INPUT, "EXP_MAX_INPUT");
        assertSameBits(ExpSpecification.MIN_INPUT, FloatMath.EXP_MIN_INPUT, "EXP_MIN_INPUT");
        for (int k = 0; k <= 7; k++) assertSameBits(ExpSpecification.coefficient(k), FloatMath.EXP_POLY[k], "1/" + k + "!");
    }

    @Test
    void expBitsEqualAnExactTranscriptionOfTheContract() {
        float[] chosen = {0f, -0f, 1f, -1f, 0.5f, 0.34657359f, -0.34657359f, 10f, -10f, 88.5f, 88.72283f, -87.3f,
            -87.5f, -100f, -103.5f, -103.97f, 1e-8f, -1e-8f, 3.1415927f, 20.25f, -45.125f, 64f, 0.6931472f,
            FloatMath.EXP_MAX_INPUT, Math.nextDown(FloatMath.EXP_MAX_INPUT), Math.nextUp(FloatMath.EXP_MAX_INPUT),
            88.7f, -87.33654f, -87.33655f, -103.27893f, -0x1.9fe368p6f, -104f, Math.nextDown(-104f), Float.MIN_VALUE,
            -0x1.8f4a28p2f, -0x1.8f4a2p3f, -0x1.2b6d1cp4f}; // the last three sit on near-ties of rounding
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
        float[] chosen = {0f, 1f, -1f, 5f, -5f, 30f, -30f, 100f, -100f, 0.001f, 88.8f, -88.8f};
        for (float x : chosen) assertSameBits(ExpSpecification.silu(x), FloatMath.silu(x), "silu(" + x + ")");
        for (int i = 0; i < 2000; i++) {
            float x = (float) (rnd.nextGaussian() * 8);
            assertSameBits(ExpSpecification.silu(x), FloatMath.silu(x), "silu(" + x + ")");
        }
    }

    @Test
    void expIsUnderOneUlpOfTheTrueValue() {
        SplittableRandom rnd = new SplittableRandom(3);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) worst = Math.max(worst, ulpError((float) rnd.nextDouble(-104, 88.72)));
        for (int i = 0; i < 200_000; i++) worst = Math.max(worst, ulpError((float) rnd.nextDouble(-20, 0)));
        // every float of one binade of softmax arguments, [-2, -1)
        for (float x = -2f; x < -1f; x = Math.nextUp(x)) worst = Math.max(worst, ulpError(x));
        assertTrue(worst < 1.0, "worst error " + worst + " ulp");
    }

    @Test
    void expEdgeCases() {
        assertSameBits(1f, FloatMath.exp(0f), "exp(0)");
        assertSameBits(1f, FloatMath.exp(-0f), "exp(-0)");
        assertSameBits(0f, FloatMath.exp(Float.NEGATIVE_INFINITY), "exp(-inf)");
        assertSameBits(0f, FloatMath.exp(Math.nextDown(FloatMath.EXP_MIN_INPUT)), "exp below the range");
        assertSameBits(0f, FloatMath.exp(-104f), "exp(-104)"); // e^-104 is under half the least subnormal
        // the smallest result: e^x just over half the least subnormal rounds up to it, the next float down to 0
        assertEquals(Float.MIN_VALUE, FloatMath.exp(-0x1.9fe368p6f));
        assertSameBits(0f, FloatMath.exp(Math.nextDown(-0x1.9fe368p6f)), "exp under half the least subnormal");
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Math.nextUp(FloatMath.EXP_MAX_INPUT)));
        assertTrue(Float.isFinite(FloatMath.exp(FloatMath.EXP_MAX_INPUT)));
        assertTrue(ulpError(FloatMath.EXP_MAX_INPUT) < 1.0);
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        float sub = FloatMath.exp(-100f); // ~3.7e-44: a subnormal result
        assertTrue(sub > 0 && sub < Float.MIN_NORMAL);
        assertTrue(ulpError(-100f) < 1.0);
        assertSameBits(-0f, FloatMath.silu(-200f), "silu(-200)");
    }

    @Test
    void expIsMonotoneOnAFineGridBelowZero() {
        float previous = 0f;
        for (float x = -30f; x <= 0f; x = Math.nextUp(x + 0.0001f)) {
            float e = FloatMath.exp(x);
            assertTrue(e >= previous, "exp decreased at " + x);
            previous = e;
        }
    }

    /** Distance from the true value in ulps of the float nearest it (the subnormal spacing below the normal range). */
    private static double ulpError(float x) {
        double truth = StrictMath.exp(x);
        return Math.abs(FloatMath.exp(x) - truth) / Math.ulp((float) truth);
    }

    private static void assertSameBits(float expected, float actual, String what) {
        assertEquals(Integer.toHexString(Float.floatToRawIntBits(expected)),
                Integer.toHexString(Float.floatToRawIntBits(actual)), what);
    }
}
