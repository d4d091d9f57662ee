package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.PartialTree;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Canonical matmul y = x · Wᵀ: every output element is one canonical dot ({@link Dot}) of a token
 * row of x with a weight row. Several tokens are processed against each weight row so that the
 * weights, the memory-bound part of decoding, are loaded once per step; each token keeps its own
 * partial sums, so its arithmetic is exactly that of a lone dot.
 */
public final class MatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final int LANES = 8;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private MatMul() {
    }

    /** Tokens processed against one weight row at a time; their partial sums stay in L1. */
    static final int TOKEN_TILE = 16;

    /** Rows whose trees the wide path finishes together, and the scratch a token's group of folded registers takes. */
    private static final int GROUP = 8;
    private static final int GROUP_STRIDE = GROUP * LANES;

    /**
     * Where the wide kernels keep a widened weight row in scratch: after a tile's folded registers (or its tokens'
     * 32 partials, when K has a tail).
     */
    private static final int WIDE_ROW = TOKEN_TILE * Math.max(GROUP_STRIDE, Dot.PARTIALS);

    /** Floats of scratch {@link #rows} needs for {@code tokens} tokens against rows of length {@code k}. */
    public static int scratchSize(int tokens, int k) {
        return Math.max(Math.max(4, Math.min(tokens, TOKEN_TILE)) * Dot.PARTIALS, WIDE_ROW + Math.max(k, LANES));
    }

    /**
     * For rows [r0, r1) of w and tokens t < tokens: y[t * ldy + yo + row] = dot(x[t * ldx ..], w[row]).
     * x rows are {@code w.cols()} long starting at t * ldx.
     */
    public static void rows(WeightMatrix w, float[] x, int ldx, int tokens, float[] y, int ldy, int yo,
                            int r0, int r1, float[] scratch) {
        for (int t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
            int n = Math.min(TOKEN_TILE, tokens - t0);
            tile(w, x, t0 * ldx, ldx, n, y, t0 * ldy + yo, ldy, r0, r1, scratch);
        }
    }

    private static void tile(WeightMatrix w, float[] x, int xo, int ldx, int tokens, float[] y, int yo, int ldy,
                             int r0, int r1, float[] scratch) {
        int k = w.cols();
        int width = Dot.width(k);
        if (width < LANES) {
            for (int row = r0; row < r1; row++) {
                for (int t = 0; t < tokens; t++) y[t * ldy + yo + row] = scalarRow(w, row, x, xo + t * ldx, k, width, scratch);
            }
            return;
        }
        if (width == Dot.PARTIALS) {
            wide(w, x, xo, ldx, tokens, y, yo, ldy, r0, r1, scratch);
            return;
        }
        // W = 8 or 16 (K = 5..16): partials accumulated in scratch, one token after another.
        boolean bf16 = w.dtype() == DType.BF16;
        MemorySegment seg = w.data();
        int esize = w.dtype().bytes();
        for (int row = r0; row < r1; row++) {
            Arrays.fill(scratch, 0, tokens * width, 0.0f);
            long base = (long) row * k * esize;
            int c = 0;
            for (; c + width <= k; c += width) {
                for (int r = 0; r < width; r += LANES) {
                    FloatVector wv = bf16 ? loadBf16(seg, base + (long) (c + r) * 2) : loadF32(seg, base + (long) (c + r) * 4);
                    accumulate(wv, x, xo + c + r, ldx, tokens, scratch, width, r);
                }
            }
            int len = k - c;
            int r = 0;
            for (; r + LANES <= len; r += LANES) {
                FloatVector wv = bf16 ? loadBf16(seg, base + (long) (c + r) * 2) : loadF32(seg, base + (long) (c + r) * 4);
                accumulate(wv, x, xo + c + r, ldx, tokens, scratch, width, r);
            }
            for (; r < len; r++) {
                float wk = w.get(row, c + r);
                for (int t = 0; t < tokens; t++) {
                    int q = t * width + r;
                    scratch[q] = Math.fma(x[xo + t * ldx + c + r], wk, scratch[q]);
                }
            }
            for (int t = 0; t < tokens; t++) y[t * ldy + yo + row] = Dot.tree(scratch, t * width, width);
        }
    }

    /**
     * W = 32: pairs of tokens share each weight row, read from the segment when f32 ({@link WideRows#twoF32}), from
     * one widened copy when bf16 ({@link WideRows#two}); a single token streams the row from the segment
     * ({@link WideRows#oneBf16}, {@link WideRows#oneF32}). Weights are always read
     * from their own segment: mixing heap and native segments in these loads pollutes the JIT's type profile and
     * makes every vector load several times slower. When K is whole chunks, the kernels leave one folded register per
     * (token, row), and the trees of eight rows of a token finish together ({@link PartialTree#last8}): on rows of 64
     * the scalar steps of each row's tree were up to a fifth of the matmul (docs/benchmarks.md, 2026-12-03 16:00).
     */
    private static void wide(WeightMatrix w, float[] x, int xo, int ldx, int tokens, float[] y, int yo, int ldy,
                             int r0, int r1, float[] s) {
        int k = w.cols();
        if (k % Dot.PARTIALS != 0) {
            for (int row = r0; row < r1; row++) {
                partials(w, row, x, xo, ldx, tokens, s, 0, Dot.PARTIALS);
                for (int t = 0; t < tokens; t++) y[t * ldy + yo + row] = WideRows.finish(s, t * Dot.PARTIALS, k);
            }
            return;
        }
        // (token t, row r of the group) folded at s[t * GROUP_STRIDE + r * LANES]
        for (int row = r0; row < r1; row += GROUP) {
            int n = Math.min(GROUP, r1 - row);
            for (int r = 0; r < n; r++) partials(w, row + r, x, xo, ldx, tokens, s, r * LANES, GROUP_STRIDE);
            for (int t = 0; t < tokens; t++) {
                int yt = t * ldy + yo + row;
                if (n == GROUP) {
                    PartialTree.last8(s, t * GROUP_STRIDE, y, yt);
                } else { // the last few rows: lanes past n are stale and dropped
                    PartialTree.last8(s, t * GROUP_STRIDE, s, WIDE_ROW);
                    System.arraycopy(s, WIDE_ROW, y, yt, n);
                }
            }
        }
    }

    /** Every token's partials against one row, token t's at p[at + t * stride ..] ({@link WideRows}). */
    private static void partials(WeightMatrix w, int row, float[] x, int xo, int ldx, int tokens, float[] p, int at,
                                 int stride) {
        int k = w.cols();
        MemorySegment seg = w.data();
        boolean bf16 = w.dtype() == DType.BF16;
        long base = row * (long) k * w.dtype().bytes();
        int t = 0;
        if (tokens >= 2 && !bf16) {
            for (; t + 2 <= tokens; t += 2) {
                WideRows.twoF32(seg, base, x, xo + t * ldx, ldx, k, p, at + t * stride, at + (t + 1) * stride);
            }
        } else if (tokens >= 2) {
            WideRows.widenBf16(seg, base, k, p, WIDE_ROW);
            for (; t + 2 <= tokens; t += 2) {
                WideRows.two(p, WIDE_ROW, x, xo + t * ldx, ldx, k, p, at + t * stride, at + (t + 1) * stride);
            }
        }
        if (t < tokens) {
            if (bf16) {
                WideRows.oneBf16(seg, base, x, xo + t * ldx, k, p, at + t * stride);
            } else {
                WideRows.oneF32(seg, base, x, xo + t * ldx, k, p, at + t * stride);
            }
        }
    }

    private static void accumulate(FloatVector wv, float[] x, int xk, int ldx, int tokens, float[] p, int width, int r) {
        for (int t = 0; t < tokens; t++) {
            int q = t * width + r;
            FloatVector.fromArray(F, x, xk + t * ldx).fma(wv, FloatVector.fromArray(F, p, q)).intoArray(p, q);
        }
    }

    static FloatVector loadBf16(MemorySegment seg, long byteOffset) {
        // bf16 -> f32 is "bits << 16": widen the 16-bit lanes to 32 bits, shift, reinterpret.
        return ((IntVector) ShortVector.fromMemorySegment(S, seg, byteOffset, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector loadF32(MemorySegment seg, long byteOffset) {
        return FloatVector.fromMemorySegment(F, seg, byteOffset, LE);
    }

    private static float scalarRow(WeightMatrix w, int row, float[] x, int xo, int k, int width, float[] p) {
        Arrays.fill(p, 0, width, 0.0f);
        for (int i = 0; i < k; i++) p[i & (width - 1)] = Math.fma(x[xo + i], w.get(row, i), p[i & (width - 1)]);
        return Dot.tree(p, 0, width);
    }
}
