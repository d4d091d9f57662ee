package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * The naive profile on the GPU: what a conventional engine does, so a token's logits change with the batch it is in.
 * It exists to reproduce the failure (docs/naive.md); portable never uses it.
 * <ul>
 * <li>Projections (kernels/matvec_naive.cu): a split-K whose piece count a GEMM library's heuristic picks from the
 * step's token count and the matrix shape, each piece's sum and each output rounded to bf16.
 * <li>Attention of decode steps (kernels/attention_naive.cu): flash-decoding's KV splits, as many as the step's
 * (token, head) pairs leave multiprocessors for, so the combine's roundings follow the batch and the context length.
 * </ul>
 * Run to run identical for the same batch: no atomics, pieces and splits are combined in order; both counts are
 * functions of the step's size, so a captured CUDA graph replays the same ones.
 */
final class NaiveKernels implements ProfileKernels {
    /** The output tile the heuristic reasons in: rows x tokens, as a skinny GEMM kernel's. */
    static final int TILE_ROWS = 128;
    static final int TILE_TOKENS = 16;
    /** Tiles times pieces should fill this many waves of the multiprocessors. */
    static final int WAVES = 2;
    static final int MAX_SPLITS = 16;
    /** Flash-decoding's cap on KV splits. */
    static final int MAX_KV_SPLITS = 128;
    private static final int WARPS = 8;  // the kernel's WARPS: a row per warp
    private static final int[] TOKENS = {1, 4};

    private final Kernels k;
    private final int multiprocessors;
    /** [weights: bf16, f32, gptq int8, gptq int4][fused][tokens per block]. */
    private final CUfunction[][][] fns = new CUfunction[4][3][TOKENS.length];
    private final CUfunction merge;
    private final CUfunction attentionMerge;
    private final CUdeviceptr workspace;

    NaiveKernels(CudaContext ctx, Kernels k) {
        this.k = k;
        this.multiprocessors = ctx.multiprocessors;
        String[] weights = {"bf16", "f32", "gptq_int8", "gptq_int4"};
        String[] fused = {"", "_norm", "_norm_silu"};
        for (int w = 0; w < weights.length; w++) {
            for (int f = 0; f < fused.length; f++) {
                for (int t = 0; t < TOKENS.length; t++) {
                    CUfunction fn = k.fn("matvec_naive", "matvec_naive_" + weights[w] + fused[f] + "_t" + TOKENS[t]);
                    cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                            k.matvecSmem);
                    fns[w][f][t] = fn;
                }
            }
        }
        this.merge = k.fn("matvec_naive", "naive_merge");
        this.attentionMerge = k.fn("attention_naive", "attention_merge_naive");
        this.workspace = ctx.alloc(4L * workspaceFloats(multiprocessors));
    }

    /**
     * Split-K pieces for a projection of {@code rows} outputs over {@code k} inputs in a step of {@code n} tokens, as
     * a GEMM library chooses them: enough that output tiles times pieces fill {@link #WAVES} waves of the GPU, at
     * most {@link #MAX_SPLITS} and at most one per 32-index chunk of k. Fewer tokens, fewer tiles, more pieces.
     */
    static int splits(int rows, int n, int k, int multiprocessors) {
        long tiles = (long) ceilDiv(rows, TILE_ROWS) * ceilDiv(n, TILE_TOKENS);
        long s = ceilDiv(WAVES * multiprocessors, tiles);
        return (int) Math.max(1, Math.min(s, Math.min(MAX_SPLITS, k / 32)));
    }

    /**
     * KV splits of a decode step's attention, as flash-decoding picks them: one when the step's (token, head) pairs
     * already fill 80 % of the multiprocessors, else enough to fill them, at most {@link #MAX_KV_SPLITS}.
     */
    static int kvSplits(int tokens, int heads, int multiprocessors) {
        long pairs = (long) tokens * heads;
        if (pairs * 5 >= 4L * multiprocessors) return 1;
        return (int) Math.min(MAX_KV_SPLITS, ceilDiv(multiprocessors, pairs));
    }

    /**
     * Floats of workspace any split step needs: S x n x rows with S > 1 only when the tiles are fewer than the waves'
     * blocks, so S x tiles is below twice that, each tile at most TILE_ROWS x TILE_TOKENS values.
     */
    static long workspaceFloats(int multiprocessors) {
        return 2L * WAVES * multiprocessors * TILE_ROWS * TILE_TOKENS;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** naive's experts are its own split-K projections, as the CPU's naive experts are its NaiveMatMul. */
    @Override
    public boolean portableExperts() {
        return false;
    }

    @Override
    public void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps, CUdeviceptr in,
                        CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid) {
        int rows = p.rows();
        int cols;
        int w;
        Object[] weights;  // the kernel's (W, tab, gidx, rowPart, stride, groups)
        switch (p) {
            case DeviceWeights.Matrix m -> {
                cols = m.cols();
                w = m.dtype() == DType.BF16 ? 0 : 1;
                weights = new Object[] {m.ptr(), null, null, null, m.stride(), 0};
            }
            case DeviceWeights.Gptq g -> {
                cols = g.cols();
                w = g.bits() == 8 ? 2 : 3;
                weights = new Object[] {g.q(), g.tab(), g.gidx(), g.rowPart(), g.stride(), g.groups()};
            }
        }
        int s = splits(rows, n, cols, multiprocessors);
        if ((long) s * n * rows > workspaceFloats(multiprocessors) && s > 1) {
            throw new IllegalStateException(s + " pieces of " + n + " x " + rows + " outgrow the naive workspace");
        }
        int t = k.tokenGroup(cols, n);
        int tg = TOKENS[t];
        Object[] args = new Object[weights.length + 13];
        System.arraycopy(weights, 0, args, 0, weights.length);
        Object[] rest = {in, xrows, norm, eps, y, bias, resid, workspace, rows, cols, ldx, ldy, n};
        System.arraycopy(rest, 0, args, weights.length, rest.length);
        k.launchGrid(fns[w][fused.ordinal()][t], (rows + WARPS - 1) / WARPS, (n + tg - 1) / tg, s, 32 * WARPS,
                Kernels.smem(cols, tg), args);
        if (s == 1) return;
        boolean silu = fused == Kernels.Fused.NORM_SILU;
        long outputs = (long) n * (silu ? rows / 2 : rows);
        k.launchGrid(merge, (int) ceilDiv(outputs, 256), 1, 1, 256, 0, workspace, s, y, bias, resid, rows, n, ldy,
                silu ? 1 : 0);
    }

    /** Steps that take attention_decode.cu merge its splits flash-decoding's way; longer ones are portable's. */
    @Override
    public void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads,
                       int kvHeads, int headDim, int blockSize, AttentionScores scores, int n, CUdeviceptr scratch) {
        if (!k.attention.decodeAttention(n)) {
            k.attention.attend(qkv, out, in, keys, values, heads, kvHeads, headDim, blockSize, scores, n, scratch);
            return;
        }
        k.attention.decodeSplits(qkv, in, keys, values, heads, kvHeads, headDim, blockSize, scores, n, scratch, null);
        k.launchGrid(attentionMerge, n * heads, 1, 1, AttentionKernels.mergeThreads(headDim), 0, scratch, out,
                in.positions(), heads, headDim, k.attention.maxSplits, kvSplits(n, heads, multiprocessors),
                scores.window());
    }
}
