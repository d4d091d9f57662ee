package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.ExpVectors;
import dev.invariant.engine.numerics.FloatMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention of one query head at one position, in the contract's fixed splits of 64 key
 * positions (docs/numerics.md, "Attention"). Splits are fixed by absolute position, so prefill,
 * chunked prefill and decode give the same bits, and no batch property enters the arithmetic.
 */
final class PagedAttention {
    static final int SPLIT = 64;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final int LANES = 8;

    private final PagedKvCache cache;
    private final int headDim;
    private final float scale;
    /** Gemma 2's cap on the scores, 0 for none. */
    private final float softcap;
    // per-thread scratch: scores of one split, per-split max/sum/output
    private float[] scores = new float[SPLIT];
    private float[] splitMax = new float[0];
    private float[] splitSum = new float[0];
    private float[] splitOut = new float[0];
    private final float[] dotScratch = new float[Dot.PARTIALS];
    // one key or value row widened from a narrower stored dtype; unused when the cache stores fp32
    private final float[] row;

    /**
     * @param scale   the scores' scale ({@code ModelConfig.attentionScale}: head_dim^-0.5 unless the model says otherwise)
     * @param softcap a score becomes {@code tanh(score / softcap) * softcap} after its scale (Gemma 2); 0 for none
     */
    PagedAttention(PagedKvCache cache, int headDim, float scale, float softcap) {
        this.cache = cache;
        this.headDim = headDim;
        this.scale = scale;
        this.softcap = softcap;
        this.row = new float[headDim];
    }

    /**
     * out[oo..oo+headDim) = attention of q[qo..] over keys {@code first..pos} (0 unless a sliding window starts later)
     * of kv head {@code kvHead} in {@code layer}. The splits stay those of absolute position, the first one cut at
     * {@code first}, so a window changes which keys count, never the order they are summed in.
     */
    void attend(int layer, int[] blockTable, int first, int pos, int kvHead, float[] q, int qo, float[] out, int oo) {
        // fp32 rows are read in place; narrower ones are widened exactly into `row` first
        float[] keys = cache.keys instanceof KvRows.F32 f ? f.layer(layer) : null;
        float[] values = cache.values instanceof KvRows.F32 f ? f.layer(layer) : null;
        int hOff = kvHead * headDim;
        int s0 = first / SPLIT;
        int splits = pos / SPLIT + 1;
        ensure(splits);
        for (int s = s0; s < splits; s++) {
            int j0 = Math.max(first, s * SPLIT);
            int j1 = Math.min(pos, s * SPLIT + SPLIT - 1);
            float m = Float.NEGATIVE_INFINITY;
            for (int j = j0; j <= j1; j++) {
                int ko = cache.offset(blockTable, j) + hOff;
                float sc;
                if (keys != null) {
                    sc = Dot.dot(q, qo, keys, ko, headDim, dotScratch) * scale;
                } else {
                    cache.keys.load(layer, ko, row, 0, headDim);
                    sc = Dot.dot(q, qo, row, 0, headDim, dotScratch) * scale;
                }
                if (softcap > 0) sc = FloatMath.tanh(sc / softcap) * softcap;
                scores[j - j0] = sc;
                m = Math.max(m, sc);
            }
            // e_j = exp(score_j - m) in place, then l in increasing j
            for (int j = 0; j <= j1 - j0; j++) scores[j] = scores[j] - m;
            ExpVectors.expInPlace(scores, 0, j1 - j0 + 1);
            float l = 0.0f;
            for (int j = 0; j <= j1 - j0; j++) l = l + scores[j];
            int so = s * headDim;
            if (values != null && headDim % LANES == 0) {
                accumulate(values, blockTable, hOff, j0, j1, so);
            } else {
                java.util.Arrays.fill(splitOut, so, so + headDim, 0.0f);
                for (int j = j0; j <= j1; j++) {
                    float e = scores[j - j0];
                    int vo = cache.offset(blockTable, j) + hOff;
                    float[] vs = values;
                    if (vs == null) {
                        cache.values.load(layer, vo, row, 0, headDim);
                        vs = row;
                        vo = 0;
                    }
                    for (int d = 0; d < headDim; d++) splitOut[so + d] = Math.fma(e, vs[vo + d], splitOut[so + d]);
                }
            }
            splitMax[s] = m;
            splitSum[s] = l;
        }
        // Combine the splits in increasing s.
        float bigM = Float.NEGATIVE_INFINITY;
        for (int s = s0; s < splits; s++) bigM = Math.max(bigM, splitMax[s]);
        float bigL = 0.0f;
        java.util.Arrays.fill(out, oo, oo + headDim, 0.0f);
        for (int s = s0; s < splits; s++) {
            float c = FloatMath.exp(splitMax[s] - bigM);
            bigL = bigL + splitSum[s] * c;
            int so = s * headDim;
            for (int d = 0; d < headDim; d++) out[oo + d] = Math.fma(splitOut[so + d], c, out[oo + d]);
        }
        for (int d = 0; d < headDim; d++) out[oo + d] = out[oo + d] / bigL;
    }

    /**
     * The split's weighted values from fp32 rows, 8 output dims at a time in a register across the split's keys: each
     * dim's sum is the same chain of fmas in increasing j as the scalar loop's (o = fma(e_j, v_j, o) from 0).
     */
    private void accumulate(float[] values, int[] blockTable, int hOff, int j0, int j1, int so) {
        for (int d = 0; d < headDim; d += LANES) {
            FloatVector o = FloatVector.zero(F);
            for (int j = j0; j <= j1; j++) {
                int vo = cache.offset(blockTable, j) + hOff + d;
                o = FloatVector.broadcast(F, scores[j - j0]).fma(FloatVector.fromArray(F, values, vo), o);
            }
            o.intoArray(splitOut, so + d);
        }
    }

    private void ensure(int splits) {
        if (splitMax.length < splits) {
            int n = Math.max(splits, splitMax.length * 2);
            splitMax = new float[n];
            splitSum = new float[n];
            splitOut = new float[n * headDim];
        }
    }
}
