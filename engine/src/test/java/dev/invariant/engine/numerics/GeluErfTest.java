package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** FloatMath.erf and geluErf (Gemma 1's MLP) against docs/numerics.md §5 written out and against erf in double. */
class GeluErfTest {

    /** docs/numerics.md §5's erf, written out again from its coefficients: Horner in fmas, the contract's exp. */
    private static float erfSpec(float x) {
        float a = Math.abs(x);
        float y;
        if (a < 0.875f) {
            float[] c = FloatMath.ERF_SMALL;
            float r = a * a;
            float p = c[5];
            for (int i = 4; i >= 0; i--) p = Math.fma(p, r, c[i]);
            y = Math.fma(a, p, a);
        } else if (a < 4.0f) {
            float[] c = FloatMath.ERF_LARGE;
            float p = c[11];
            for (int i = 10; i >= 0; i--) p = Math.fma(p, a, c[i]);
            y = 1.0f - ExpSpecification.exp(p);
        } else {
            y = 1.0f;
        }
        return x != x ? x : Math.copySign(y, x);
    }

    /** erf in double: its Taylor series below 3 (≈ 1e-13 absolute), the continued fraction of erfc above. */
    static double erfDouble(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 3) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-300; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = sum * 2 / Math.sqrt(Math.PI);
        } else {
            double f = 0; // erfc(a) = exp(-a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...))))
            for (int n = 60; n >= 1; n--) f = (n / 2.0) / (a + f);
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return Math.copySign(r, x);
    }

    @Test
    void bitsEqualATranscriptionOfTheContract() {
        SplittableRandom rnd = new SplittableRandom(21);
        float[] chosen = {0f, -0f, 0.875f, Math.nextDown(0.875f), 4f, Math.nextDown(4f), -4f, 1e-30f, Float.MIN_VALUE,
            3f, -0.5f, 100f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        for (float x : chosen) {
            assertEquals(Float.floatToRawIntBits(erfSpec(x)), Float.floatToRawIntBits(FloatMath.erf(x)), "erf " + x);
        }
        for (int i = 0; i < 50_000; i++) {
            float x = (float) (rnd.nextGaussian() * 3);
            assertEquals(Float.floatToRawIntBits(erfSpec(x)), Float.floatToRawIntBits(FloatMath.erf(x)), "erf " + x);
            float gelu = x * 0.5f * (1.0f + erfSpec(x * 0x1.6a09e6p-1f));
            assertEquals(Float.floatToRawIntBits(gelu), Float.floatToRawIntBits(FloatMath.geluErf(x)), "gelu " + x);
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(FloatMath.erf(-0f)));
        assertEquals(-1f, FloatMath.erf(Float.NEGATIVE_INFINITY));
    }

    @Test
    void erfIsWithinAboutAnUlpOfTheTrueValue() {
        SplittableRandom rnd = new SplittableRandom(34);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 400_000; i++) {
            float x = i % 2 == 0 ? (float) rnd.nextDouble(-5, 5) : (float) Math.scalb(rnd.nextDouble(1, 2), -rnd.nextInt(0, 40));
            double truth = erfDouble(x);
            double err = Math.abs(FloatMath.erf(x) - truth) / Math.ulp((float) truth);
            if (err > worst) {
                worst = err;
                worstAt = x;
            }
        }
        assertTrue(worst <= 1.5, "worst error " + worst + " ulp at " + worstAt);
    }

    @Test
    void geluIsCloseToTheExactFormInDouble() {
        SplittableRandom rnd = new SplittableRandom(55);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (rnd.nextGaussian() * 4);
            double truth = 0.5 * x * (1 + erfDouble(x / Math.sqrt(2)));
            double err = Math.abs(FloatMath.geluErf(x) - truth);
            assertTrue(err <= 2.5e-7 * Math.max(1, Math.abs(x)), "gelu(" + x + ") off by " + err);
        }
    }
}
