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

    /** Rows a thread claims at a time: small enough to balance threads slowed by other work, large enough to be cheap. */
    private static final int ROWS_PER_CHUNK = 64;

    /** Per-thread scratch, kept between calls: a projection is split into many small pieces. */
    private final ThreadLocal<float[]> scratch = ThreadLocal.withInitial(() -> new float[0]);

    private float[] scratch(int size) {
        float[] s = scratch.get();
        if (s.length < size) {
            s = new float[size];
            scratch.set(s);
        }
        return s;
    }

    private static int maxCols(Job[] jobs) {
        int k = 0;
        for (Job j : jobs) k = Math.max(k, j.w().cols());
        return k;
    }

    void run(float[] x, int ldx, int tokens, Job... jobs) {
        int[] starts = new int[jobs.length + 1];
        for (int i = 0; i < jobs.length; i++) starts[i + 1] = starts[i] + jobs[i].w().rows();
        int total = starts[jobs.length];
        boolean naive = profile == NumericsProfile.NAIVE;
        int splits = naive ? NaiveMatMul.splits(tokens, pool.threads(), jobs[0].w().cols()) : 0;
        int k = maxCols(jobs);
        int scratchSize = naive ? NaiveMatMul.scratchSize(k) : MatMul.scratchSize(tokens, k);
        pool.forChunks(total, ROWS_PER_CHUNK, (lo, hi) -> {
            float[] scratch = scratch(scratchSize);
            for (int i = 0; i < jobs.length; i++) {
                int a = Math.max(lo, starts[i]) - starts[i];
                int b = Math.min(hi, starts[i + 1]) - starts[i];
                if (a >= b) continue;
                Job j = jobs[i];
                if (naive) {
                    NaiveMatMul.rows(j.w(), x, ldx, tokens, j.out(), j.ldy(), 0, a, b, splits, scratch);
                } else {
                    MatMul.rows(j.w(), x, ldx, tokens, j.out(), j.ldy(), 0, a, b, scratch);
                }
            }
        });
    }
}
