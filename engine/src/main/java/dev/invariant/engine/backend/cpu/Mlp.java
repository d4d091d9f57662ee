package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.Activation;
import dev.invariant.engine.numerics.ExpVectors;
import dev.invariant.engine.numerics.FloatMath;
import dev.invariant.engine.numerics.Matrix;

/**
 * A gated MLP (transformers' LlamaMLP, and each expert of a mixture): down(act(gate · x) * (up · x)), each product
 * rounded (docs/numerics.md §5); act is SiLU, or Gemma's GELU in its tanh or exact form.
 */
record Mlp(Matrix gate, Matrix up, Matrix down, int size, Activation act) {

    /**
     * y = the MLP of n rows of x ({@code hidden} each); g and u hold at least n × size values, overwritten.
     */
    void run(float[] x, int n, int hidden, float[] g, float[] u, float[] y, Linear linear, WorkerPool pool) {
        linear.run(x, hidden, n, new Linear.Job(gate, g, size), new Linear.Job(up, u, size));
        pool.forRange(n, (lo, hi) -> {
            switch (act) {
                case SILU -> ExpVectors.siluTimes(g, u, lo * size, hi * size);
                case GELU_TANH -> {
                    for (int i = lo * size; i < hi * size; i++) g[i] = FloatMath.geluTanh(g[i]) * u[i];
                }
                case GELU_ERF -> {
                    for (int i = lo * size; i < hi * size; i++) g[i] = FloatMath.geluErf(g[i]) * u[i];
                }
            }
        });
        linear.run(g, size, n, new Linear.Job(down, y, hidden));
    }

    /** {@link #run} into a new array of n × hidden values. */
    float[] apply(float[] x, int n, int hidden, Linear linear, WorkerPool pool) {
        float[] y = new float[n * hidden];
        run(x, n, hidden, new float[n * size], new float[n * size], y, linear, pool);
        return y;
    }
}
