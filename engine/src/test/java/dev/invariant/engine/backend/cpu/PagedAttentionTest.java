package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.FloatMath;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PagedAttention#attend} against docs/numerics.md §8 written out plainly here (splits of 64, each split's
 * max, exps, sequential sum and fma chain, the combine), bit for bit: head dims whose values go 8 dims to a register
 * (8, 64) and one that does not (12), fp32 rows read in place and bf16 rows widened, several splits, a window.
 */
class PagedAttentionTest {
    private static final int BLOCK = 16;
    private static final int BLOCKS = 16;

    @Test
    void everyPositionEqualsTheContract() {
        for (KvCacheDtype dtype : new KvCacheDtype[] {KvCacheDtype.FP32, KvCacheDtype.BF16}) {
            for (int headDim : new int[] {8, 12, 64}) {
                check(dtype, headDim);
            }
        }
    }

    private static void check(KvCacheDtype dtype, int headDim) {
        SplittableRandom rnd = new SplittableRandom(headDim * 31L + dtype.ordinal());
        int kvHeads = 2;
        int kvDim = kvHeads * headDim;
        PagedKvCache cache = new PagedKvCache(1, BLOCKS, BLOCK, kvDim, dtype);
        // blocks out of order, as the block manager hands them out
        int[] table = {5, 0, 11, 3, 14, 7, 9, 1, 12, 2, 15, 4, 8, 6, 13, 10};
        int positions = BLOCKS * BLOCK;
        float[][] k = new float[positions][];
        float[][] v = new float[positions][];
        for (int pos = 0; pos < positions; pos++) {
            k[pos] = gaussians(rnd, kvDim, 1.5);
            v[pos] = gaussians(rnd, kvDim, 1.0);
            cache.write(0, table, pos, k[pos], 0, v[pos], 0);
            // what the cache holds: the rows as stored, widened back
            cache.keys.load(0, cache.offset(table, pos), k[pos], 0, kvDim);
            cache.values.load(0, cache.offset(table, pos), v[pos], 0, kvDim);
        }
        float scale = (float) (1 / Math.sqrt(headDim));
        PagedAttention att = new PagedAttention(cache, headDim, scale, 0f);
        for (int pos : new int[] {0, 1, 7, 63, 64, 65, 130, 191, 200, positions - 1}) {
            for (int first : new int[] {0, Math.max(0, pos - 70)}) {
                for (int kvHead = 0; kvHead < kvHeads; kvHead++) {
                    float[] q = gaussians(rnd, headDim, 2.0);
                    float[] out = new float[headDim];
                    att.attend(0, table, first, pos, kvHead, q, 0, out, 0);
                    float[] want = contract(q, k, v, kvHead * headDim, headDim, first, pos, scale);
                    assertArrayEquals(bits(want), bits(out),
                            dtype + " head_dim " + headDim + " position " + pos + " from " + first + " kv head " + kvHead);
                }
            }
        }
    }

    /** §8 as written: fixed splits of 64 from absolute position, the first cut at {@code first}. */
    private static float[] contract(float[] q, float[][] k, float[][] v, int off, int d, int first, int pos, float scale) {
        int splits = pos / 64 + 1;
        float[] m = new float[splits];
        float[] l = new float[splits];
        float[][] o = new float[splits][d];
        int s0 = first / 64;
        for (int s = s0; s < splits; s++) {
            int j0 = Math.max(first, 64 * s);
            int j1 = Math.min(pos, 64 * s + 63);
            float[] score = new float[j1 - j0 + 1];
            m[s] = Float.NEGATIVE_INFINITY;
            for (int j = j0; j <= j1; j++) {
                score[j - j0] = Dot.reference(q, 0, k[j], off, d) * scale;
                m[s] = Math.max(m[s], score[j - j0]);
            }
            for (int j = j0; j <= j1; j++) {
                float e = FloatMath.exp(score[j - j0] - m[s]);
                l[s] = l[s] + e;
                for (int i = 0; i < d; i++) o[s][i] = Math.fma(e, v[j][off + i], o[s][i]);
            }
        }
        float big = Float.NEGATIVE_INFINITY;
        for (int s = s0; s < splits; s++) big = Math.max(big, m[s]);
        float sum = 0f;
        float[] out = new float[d];
        for (int s = s0; s < splits; s++) {
            float c = FloatMath.exp(m[s] - big);
            sum = sum + l[s] * c;
            for (int i = 0; i < d; i++) out[i] = Math.fma(o[s][i], c, out[i]);
        }
        for (int i = 0; i < d; i++) out[i] = out[i] / sum;
        return out;
    }

    private static float[] gaussians(SplittableRandom rnd, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * sigma);
        return x;
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) b[i] = Float.floatToRawIntBits(x[i]);
        return b;
    }
}
