package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.Activation;
import dev.invariant.engine.numerics.FloatMath;
import dev.invariant.engine.numerics.Matrix;

/**
 * An ungated MLP with biases (transformers' GPTNeoXMLP): down(act(up · x + b_up)) + b_down, each bias one rounded add
 * after its dot (docs/numerics.md §3) and the activation GELU, exact or tanh form (§5).
 */
record UngatedMlp(Matrix up, float[] upBias, Matrix down, float[] downBias, int size, Activation act) {

    /** y = the MLP of n rows of x ({@code hidden} each); u holds at least n × size values, overwritten. */
    void run(float[] x, int n, int hidden, float[] u, float[] y, Linear linear, WorkerPool pool) {
        linear.run(x, hidden, n, new Linear.Job(up, u, size));
        pool.forRange(n, (lo, hi) -> {
            for (int t = lo; t < hi; t++) {
                for (int i = 0; i < size; i++) {
                    float v = u[t * size + i] + upBias[i];
                    u[t * size + i] = act == Activation.GELU_ERF ? FloatMath.geluErf(v) : FloatMath.geluTanh(v);
                }
            }
        });
        linear.run(u, size, n, new Linear.Job(down, y, hidden));
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < hidden; i++) y[t * hidden + i] = y[t * hidden + i] + downBias[i];
        }
    }
}
