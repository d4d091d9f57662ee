package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.MoeWeights;
import dev.invariant.engine.numerics.FloatMath;
import dev.invariant.engine.numerics.Matrix;
import dev.invariant.engine.numerics.Softmax;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;

/**
 * A sparse layer's mixture of experts (transformers' MixtralSparseMoeBlock, OlmoeSparseMoeBlock,
 * Qwen2MoeSparseMoeBlock, Qwen3MoeSparseMoeBlock), in docs/numerics.md §9.1's order: the router's probabilities,
 * each token's chosen experts, every expert run over the tokens that chose it, then each token's outputs summed in
 * expert order. A token's values depend only on its own input: which other tokens chose the same expert changes how
 * many rows a projection computes together, never one row's operations (rule 1).
 */
record Experts(Moe moe, Matrix router, Matrix[] gate, Matrix[] up, Matrix[] down, Matrix[] shared,
               Matrix sharedGate) {

    static Experts of(Moe moe, MoeWeights w, Arena a) {
        int n = w.experts().size();
        Matrix[] gate = new Matrix[n], up = new Matrix[n], down = new Matrix[n];
        for (int e = 0; e < n; e++) {
            gate[e] = WeightMatrix.of(w.experts().get(e).gate(), a);
            up[e] = WeightMatrix.of(w.experts().get(e).up(), a);
            down[e] = WeightMatrix.of(w.experts().get(e).down(), a);
        }
        Matrix[] shared = w.shared() == null ? null : new Matrix[] {WeightMatrix.of(w.shared().gate(), a),
                WeightMatrix.of(w.shared().up(), a), WeightMatrix.of(w.shared().down(), a)};
        return new Experts(moe, WeightMatrix.of(w.router(), a), gate, up, down, shared,
                w.sharedGate() == null ? null : WeightMatrix.of(w.sharedGate(), a));
    }

    /** Each token's chosen experts (ascending) and their weights, from its row of router logits. */
    record Route(int[] experts, float[] weights) {
    }

    /**
     * Softmax over the router's logits; the k highest probabilities (ties: the lower expert index first); with
     * normTopK each divided by their sum (added in the order chosen); returned by ascending expert index.
     */
    static Route route(float[] logits, int k, boolean normTopK) {
        float[] p = Softmax.apply(logits);
        int[] chosen = new int[k];
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < p.length; e++) {
                if (!taken[e] && (best < 0 || p[e] > p[best])) best = e;
            }
            taken[best] = true;
            chosen[j] = best;
        }
        float sum = 0f;
        for (int e : chosen) sum += p[e];
        int[] experts = java.util.Arrays.stream(chosen).sorted().toArray();
        float[] weights = new float[k];
        for (int j = 0; j < k; j++) weights[j] = normTopK ? p[experts[j]] / sum : p[experts[j]];
        return new Route(experts, weights);
    }

    /** out[t] = the layer's MLP output for token t's normed input xn[t] (n tokens of {@code hidden}). */
    void run(float[] xn, int n, int hidden, float[] out, Linear linear, WorkerPool pool) {
        int numExperts = moe.numExperts();
        int k = moe.expertsPerToken();
        int size = moe.expertSize();
        float[] logits = new float[n * numExperts];
        // mlp.gate: one logit per expert
        linear.run(xn, hidden, n, new Linear.Job(router, logits, numExperts));
        Route[] routes = new Route[n];
        for (int t = 0; t < n; t++) {
            routes[t] = route(java.util.Arrays.copyOfRange(logits, t * numExperts, (t + 1) * numExperts), k,
                    moe.normTopK());
        }
        // each expert over the tokens that chose it, in token order; y[t * k + j] is token t's j-th expert's output
        float[][] y = new float[n * k][];
        for (int e = 0; e < numExperts; e++) {
            int[] tokens = new int[n];
            int[] slots = new int[n];
            int m = 0;
            for (int t = 0; t < n; t++) {
                int j = java.util.Arrays.binarySearch(routes[t].experts(), e);
                if (j >= 0) {
                    tokens[m] = t;
                    slots[m++] = j;
                }
            }
            if (m == 0) continue;
            float[] x = new float[m * hidden];
            for (int i = 0; i < m; i++) System.arraycopy(xn, tokens[i] * hidden, x, i * hidden, hidden);
            float[] ye = mlp(x, m, hidden, size, gate[e], up[e], down[e], linear, pool);
            for (int i = 0; i < m; i++) {
                y[tokens[i] * k + slots[i]] = java.util.Arrays.copyOfRange(ye, i * hidden, (i + 1) * hidden);
            }
        }
        // the weighted sum, by ascending expert index: out = out + (y * w), each product rounded
        java.util.Arrays.fill(out, 0, n * hidden, 0f);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                float w = routes[t].weights()[j];
                float[] yj = y[t * k + j];
                for (int i = 0; i < hidden; i++) out[t * hidden + i] = out[t * hidden + i] + yj[i] * w;
            }
        }
        if (shared == null) return;
        // Qwen2-MoE: out = out + sigmoid(shared_expert_gate · x) * shared_expert(x)
        float[] ys = mlp(xn, n, hidden, moe.sharedExpertSize(), shared[0], shared[1], shared[2], linear, pool);
        float[] g = new float[n];
        linear.run(xn, hidden, n, new Linear.Job(sharedGate, g, 1));
        for (int t = 0; t < n; t++) {
            float s = FloatMath.sigmoid(g[t]);
            for (int i = 0; i < hidden; i++) out[t * hidden + i] = out[t * hidden + i] + s * ys[t * hidden + i];
        }
    }

    /** down(silu(gate · x) * (up · x)) for m tokens, the dense MLP's steps and order. */
    private static float[] mlp(float[] x, int m, int hidden, int size, Matrix gate, Matrix up, Matrix down,
                               Linear linear, WorkerPool pool) {
        float[] g = new float[m * size];
        float[] u = new float[m * size];
        linear.run(x, hidden, m, new Linear.Job(gate, g, size), new Linear.Job(up, u, size));
        pool.forRange(m, (lo, hi) -> {
            for (int i = lo * size; i < hi * size; i++) g[i] = FloatMath.silu(g[i]) * u[i];
        });
        float[] y = new float[m * hidden];
        linear.run(g, size, m, new Linear.Job(down, y, hidden));
        return y;
    }
}
