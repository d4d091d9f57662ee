package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExpVectors} against the scalar {@link FloatMath#exp} and {@link FloatMath#silu}, bit for bit: random bit
 * patterns, a dense sweep of the vector path's range, a few thousand values on each side of its bounds (the vector
 * and scalar paths meet there, in groups of 8 that mix them), and the special values, at every offset of a group.
 */
class ExpVectorsTest {

    @Test
    void expEqualsTheScalar() {
        float[] in = inputs();
        float[] out = in.clone();
        ExpVectors.expInPlace(out, 0, out.length);
        for (int i = 0; i < in.length; i++) {
            int at = i;
            assertEquals(Float.floatToRawIntBits(FloatMath.exp(in[i])), Float.floatToRawIntBits(out[i]), () -> "exp(" + in[at] + ")");
        }
        // a range that starts and ends inside a group of 8
        float[] part = in.clone();
        ExpVectors.expInPlace(part, 3, 1_000_005);
        for (int i = 0; i < 3; i++) assertEquals(Float.floatToRawIntBits(in[i]), Float.floatToRawIntBits(part[i]));
        for (int i = 3; i < 1_000_005; i++) assertEquals(Float.floatToRawIntBits(out[i]), Float.floatToRawIntBits(part[i]));
        assertEquals(Float.floatToRawIntBits(in[1_000_005]), Float.floatToRawIntBits(part[1_000_005]));
    }

    @Test
    void siluTimesEqualsTheScalar() {
        float[] in = inputs();
        SplittableRandom rnd = new SplittableRandom(3);
        float[] u = new float[in.length];
        for (int i = 0; i < u.length; i++) u[i] = (float) rnd.nextGaussian();
        float[] g = in.clone();
        ExpVectors.siluTimes(g, u, 0, g.length);
        for (int i = 0; i < in.length; i++) {
            float want = FloatMath.silu(in[i]) * u[i];
            int at = i;
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(g[i]), () -> "silu(" + in[at] + ") * " + u[at]);
        }
    }

    private static float[] inputs() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 3_000_000;
        float[] x = new float[n + 40_000 + 16];
        int i = 0;
        for (; i < 1_000_000; i++) x[i] = Float.intBitsToFloat(rnd.nextInt());
        for (; i < 2_000_000; i++) x[i] = (float) (rnd.nextDouble() * 200 - 100);
        for (; i < n; i++) x[i] = (float) (rnd.nextGaussian() * 4);
        for (float edge : new float[] {-87f, 88f, 87f, -88f}) {
            int bits = Float.floatToRawIntBits(edge);
            for (int d = -5_000; d < 5_000; d++) x[i++] = Float.intBitsToFloat(bits + d);
        }
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, FloatMath.EXP_MAX_INPUT, FloatMath.EXP_MIN_INPUT,
            Math.nextUp(FloatMath.EXP_MAX_INPUT), Math.nextDown(FloatMath.EXP_MIN_INPUT), 1f, -1f, 0.5f};
        System.arraycopy(special, 0, x, i, special.length);
        return x;
    }
}
