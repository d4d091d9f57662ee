package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.Activation;
import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.MoeWeights;
import dev.invariant.engine.numerics.FloatMath;
import dev.invariant.engine.numerics.GptqMatrix;
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
record Experts(Moe moe, Matrix router, Mlp[] experts, Mlp shared, Matrix sharedGate) {

    static Experts of(Moe moe, MoeWeights w, Arena a) {
        Mlp[] experts = w.experts().stream().map(e -> mlp(e, moe.expertSize(), a)).toArray(Mlp[]::new);
        return new Experts(moe, WeightMatrix.of(w.router(), a), experts,
                w.shared() == null ? null : mlp(w.shared(), moe.sharedExpertSize(), a),
                w.sharedGate() == null ? null : WeightMatrix.of(w.sharedGate(), a));
    }

    /** An expert's MLP: its packed GPTQ rows (docs/numerics.md §14) or its dense matrices. */
    private static Mlp mlp(MoeWeights.Expert e, int size, Arena a) {
        MoeWeights.Gptq q = e.gptq();
        if (q != null) {
            return new Mlp(GptqMatrix.of(q.gate(), a), GptqMatrix.of(q.up(), a), GptqMatrix.of(q.down(), a), size,
                    Activation.SILU);
        }
        return new Mlp(WeightMatrix.of(e.gate(), a), WeightMatrix.of(e.up(), a), WeightMatrix.of(e.down(), a), size,
                Activation.SILU);
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
        float[] logits = new float[n * numExperts];
        // mlp.gate: one logit per expert
        linear.run(xn, hidden, n, new Linear.Job(router, logits, numExperts));
        Route[] routes = new Route[n];
        for (int t = 0; t < n; t++) {
            routes[t] = route(java.util.Arrays.copyOfRange(logits, t * numExperts, (t + 1) * numExperts), k,
                    moe.normTopK());
        }
        // each expert over the tokens that chose it, in token order; slot t * k + j (token t's j-th expert) keeps
        // its output where the expert wrote it: outputs[slot] from offset at[slot]
        float[][] outputs = new float[n * k][];
        int[] at = new int[n * k];
        for (int e = 0; e < numExperts; e++) {
            int[] slots = new int[n];
            int m = 0;
            for (int t = 0; t < n; t++) {
                int j = java.util.Arrays.binarySearch(routes[t].experts(), e);
                if (j >= 0) slots[m++] = t * k + j;
            }
            if (m == 0) continue;
            float[] x = new float[m * hidden];
            for (int i = 0; i < m; i++) System.arraycopy(xn, slots[i] / k * hidden, x, i * hidden, hidden);
            float[] ye = experts[e].apply(x, m, hidden, linear, pool);
            for (int i = 0; i < m; i++) {
                outputs[slots[i]] = ye;
                at[slots[i]] = i * hidden;
            }
        }
        // the weighted sum, by ascending expert index: out = out + (y * w), each product rounded
        java.util.Arrays.fill(out, 0, n * hidden, 0f);
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < k; j++) {
                float w = routes[t].weights()[j];
                float[] yj = outputs[t * k + j];
                int from = at[t * k + j];
                for (int i = 0; i < hidden; i++) out[t * hidden + i] = out[t * hidden + i] + yj[from + i] * w;
            }
        }
        if (shared == null) return;
        // Qwen2-MoE: out = out + sigmoid(shared_expert_gate · x) * shared_expert(x)
        float[] ys = shared.apply(xn, n, hidden, linear, pool);
        float[] g = new float[n];
        linear.run(xn, hidden, n, new Linear.Job(sharedGate, g, 1));
        for (int t = 0; t < n; t++) {
            float s = FloatMath.sigmoid(g[t]);
            for (int i = 0; i < hidden; i++) out[t * hidden + i] = out[t * hidden + i] + s * ys[t * hidden + i];
        }
    }
}
