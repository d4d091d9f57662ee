package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.Matrix;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.MemorySegment;

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
    record Job(Matrix w, float[] out, int ldy) {
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

    /**
     * The naive profile over GPTQ weights: each row dequantised (the contract's values) into the end of scratch and
     * reduced in the naive order, so GPTQ checkpoints diverge under naive as dense ones do.
     */
    private static void naiveGptq(GptqMatrix g, float[] x, int ldx, int tokens, float[] y, int ldy, int a, int b,
                                  int splits, float[] scratch) {
        int k = g.cols();
        float[] row = new float[k];
        WeightMatrix one = new WeightMatrix(g.name(), MemorySegment.ofArray(row), DType.F32, 1, k);
        for (int n = a; n < b; n++) {
            g.row(n, row, 0);
            NaiveMatMul.rows(one, x, ldx, tokens, y, ldy, n, 0, 1, splits, scratch);
        }
    }

    void run(float[] x, int ldx, int tokens, Job... jobs) {
        int[] starts = new int[jobs.length + 1];
        for (int i = 0; i < jobs.length; i++) starts[i + 1] = starts[i] + jobs[i].w().rows();
        int total = starts[jobs.length];
        boolean naive = profile == NumericsProfile.NAIVE;
        int splits = naive ? NaiveMatMul.splits(tokens, pool.threads(), jobs[0].w().cols()) : 0;
        int k = maxCols(jobs);
        int scratchSize = naive ? NaiveMatMul.scratchSize(k)
                : Math.max(MatMul.scratchSize(tokens, k), GptqMatMul.scratchSize(tokens, k));
        pool.forChunks(total, ROWS_PER_CHUNK, (lo, hi) -> {
            float[] scratch = scratch(scratchSize);
            for (int i = 0; i < jobs.length; i++) {
                int a = Math.max(lo, starts[i]) - starts[i];
                int b = Math.min(hi, starts[i + 1]) - starts[i];
                if (a >= b) continue;
                Job j = jobs[i];
                switch (j.w()) {
                    case WeightMatrix w when naive -> NaiveMatMul.rows(w, x, ldx, tokens, j.out(), j.ldy(), 0, a, b, splits, scratch);
                    case WeightMatrix w -> MatMul.rows(w, x, ldx, tokens, j.out(), j.ldy(), 0, a, b, scratch);
                    case GptqMatrix g when naive -> naiveGptq(g, x, ldx, tokens, j.out(), j.ldy(), a, b, splits, scratch);
                    case GptqMatrix g -> GptqMatMul.rows(g, x, ldx, tokens, j.out(), j.ldy(), 0, a, b, scratch);
                }
            }
        });
    }
}
