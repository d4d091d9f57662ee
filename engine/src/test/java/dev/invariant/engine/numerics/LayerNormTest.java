package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LayerNorm equals docs/numerics.md §4 written out here bit for bit, and the exact value to a few ulps. */
class LayerNormTest {

    @Test
    void equalsTheContractWrittenOut() {
        SplittableRandom rnd = new SplittableRandom(20261208);
        float[] scratch = new float[Dot.PARTIALS];
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + rnd.nextInt(trial < 1000 ? 80 : 3000);
            // rows far from zero too: the two passes keep their spread
            float offset = trial % 3 == 0 ? (float) (rnd.nextDouble() * 2000 - 1000) : 0f;
            float[] x = new float[n + 3];
            float[] w = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n + 3; i++) x[i] = offset + (float) rnd.nextGaussian() * (float) Math.exp(rnd.nextInt(6) - 3);
            for (int i = 0; i < n; i++) {
                w[i] = 1f + 0.3f * (float) rnd.nextGaussian();
                b[i] = 0.1f * (float) rnd.nextGaussian();
            }
            float eps = trial % 2 == 0 ? 1e-5f : 1e-12f;
            float[] y = new float[n];
            LayerNorm.apply(x, 3, w, b, eps, n, y, 0, scratch, new float[n]);

            float[] ones = new float[n];
            java.util.Arrays.fill(ones, 1f);
            float mean = Dot.reference(x, 3, ones, 0, n) / n;
            float[] d = new float[n];
            for (int i = 0; i < n; i++) d[i] = x[3 + i] - mean;
            float var = Dot.reference(d, 0, d, 0, n) / n;
            float inv = 1.0f / (float) Math.sqrt(var + eps);
            for (int i = 0; i < n; i++) {
                float expected = w[i] * (d[i] * inv) + b[i];
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(y[i]), "n=" + n + " i=" + i);
            }
            // and close to the exact normalisation (in doubles)
            double m = 0;
            for (int i = 0; i < n; i++) m += x[3 + i];
            m /= n;
            double v = 0;
            for (int i = 0; i < n; i++) v += (x[3 + i] - m) * (x[3 + i] - m);
            v /= n;
            for (int i = 0; i < n; i++) {
                double exact = w[i] * ((x[3 + i] - m) / Math.sqrt(v + eps)) + b[i];
                double tolerance = 1e-4 * (1 + Math.abs(w[i]) * Math.abs(offset) / Math.sqrt(v + eps) * 1e-3);
                assertTrue(Math.abs(y[i] - exact) <= tolerance + 1e-5 * Math.abs(exact),
                        "n=" + n + " i=" + i + ": " + y[i] + " against " + exact);
            }
        }
    }

    @Test
    void aConstantRowIsItsBias() {
        float[] x = {3f, 3f, 3f, 3f, 3f};
        float[] w = {2f, 2f, 2f, 2f, 2f};
        float[] b = {0.5f, -1f, 0f, 7f, 1f};
        float[] y = new float[5];
        LayerNorm.apply(x, 0, w, b, 1e-5f, 5, y, 0, new float[Dot.PARTIALS], new float[5]);
        assertEquals(java.util.Arrays.toString(b), java.util.Arrays.toString(y));
    }
}
