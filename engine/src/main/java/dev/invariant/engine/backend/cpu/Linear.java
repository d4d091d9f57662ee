package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.numerics.MatMul;
import dev.invariant.engine.numerics.NaiveMatMul;
import dev.invariant.engine.numerics.WeightMatrix;

/**
 * Runs projections over a batch of tokens on the worker pool, split by output rows. Several projections
 * that read the same input (q/k/v, gate/up) share one parallel region.
 */
final class Linear {
    private final WorkerPool pool;
    private final NumericsProfile profile;

    Linear(WorkerPool pool, NumericsProfile profile) {
        this.pool = pool;
        this.profile = profile;
    }

    /** One projection: out[t*ldy + row] = W[row] · x[t*ldx ..]. */
    record Job(WeightMatrix w, float[] out, int ldy) {
    }

    void run(float[] x, int ldx, int tokens, Job... jobs) {
        int total = 0;
        for (Job j : jobs) total += j.w().rows();
        int[] starts = new int[jobs.length + 1];
        for (int i = 0; i < jobs.length; i++) starts[i + 1] = starts[i] + jobs[i].w().rows();
        int splits = profile == NumericsProfile.NAIVE ? NaiveMatMul.splits(tokens, pool.threads(), jobs[0].w().cols()) : 0;
        pool.forRange(total, (lo, hi) -> {
            float[] scratch = profile == NumericsProfile.NAIVE ? null : new float[MatMul.scratchSize(tokens)];
            for (int i = 0; i < jobs.length; i++) {
                int a = Math.max(lo, starts[i]) - starts[i];
                int b = Math.min(hi, starts[i + 1]) - starts[i];
                if (a >= b) continue;
                Job j = jobs[i];
                if (scratch == null) {
                    NaiveMatMul.rows(j.w(), x, ldx, tokens, j.out(), j.ldy(), 0, a, b, splits);
                } else {
                    MatMul.rows(j.w(), x, ldx, tokens, j.out(), j.ldy(), 0, a, b, scratch);
                }
            }
        });
    }
}
