package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * The fast profile on the GPU (kernels/fast.cuh, fast_layout.cu, matmul_fast.cu; docs/numerics.md §12.1): dense
 * projections on the tensor cores,
 * bf16 operands, one fp32 accumulator per output fed by m16n8k16 mma over k in increasing chunks of 16, never split.
 * Every output's bits are therefore the same whichever tile shape computes it: the shape may follow the step's size
 * (as portable's kernels do) and a token's logits still do not depend on the batch it is in. Not equal to the CPU.
 * <ul>
 * <li>Weights: rewritten at upload into the mma-fragment layout (f32 and f16 weights rounded to bf16 there; the
 * embedding table stays as stored, for the lookup).
 * <li>Each projection: {@code fast_stage[_norm]} rounds the step's input rows (RMSNorm'ed first, in binary32 as in
 * portable) to bf16 in the fragment layout, then {@code fast_mma_<shape>[_silu]} multiplies and adds bias, residual
 * or silu(gate) * up.
 * <li>GPTQ projections and attention: portable's kernels (batch-invariant already).
 * </ul>
 */
final class FastKernels implements ProfileKernels {
    /** kernels/matmul_fast.cu's shapes: {rows, tokens, threads} per block, and their kernel names. */
    private static final int[][] SHAPES = {{32, 16, 128}, {16, 16, 64}, {32, 64, 128}, {64, 64, 128}, {128, 64, 256},
            {64, 128, 128}, {128, 128, 256}};
    private static final String[] NAMES = {"fast_mma_32x16", "fast_mma_16x16", "fast_mma_32x64", "fast_mma_64x64",
            "fast_mma_128x64", "fast_mma_64x128", "fast_smem_128x128"};
    private static final int DECODE = 0;
    private static final int SMALL_BATCH = 1;
    /** Steps of more tokens: the largest tile whose blocks still make {@link #WAVES} waves, this order. */
    private static final int[] LARGE = {6, 5, 4, 3, 2};
    private static final int WAVES = 6;
    private static final int STAGE_THREADS = 128;
    /** auto (default: {@link #shape}) or one of {@link #NAMES} for every projection (tests: every shape, the same bits). */
    static final String SHAPE = "invariant.cuda.fast-shape";

    private final CudaContext ctx;
    private final Kernels k;
    /** [shape][silu]. */
    private final CUfunction[][] mma = new CUfunction[SHAPES.length][2];
    private final CUfunction stage;
    private final CUfunction stageNorm;
    private final CUfunction layoutBf16;
    private final CUfunction layoutF32;
    /** The step's input rows in bf16, in the fragment layout: 16-token tiles of ceil(k / 32) * 1024 bytes. */
    private final CUdeviceptr staged;
    private final int maxTokens;
    private final int maxCols;
    /** -1: by the step's size; else the shape every projection takes. */
    private final int forced;

    /**
     * @param maxTokens the most tokens (or logits rows) a step projects
     * @param maxCols   the longest row of any projection (hidden, q, or intermediate size)
     */
    FastKernels(CudaContext ctx, Kernels k, int maxTokens, int maxCols) {
        this.ctx = ctx;
        this.k = k;
        this.maxTokens = maxTokens;
        this.maxCols = maxCols;
        for (int s = 0; s < SHAPES.length; s++) {
            mma[s][0] = k.dependentFn("matmul_fast", NAMES[s]);
            mma[s][1] = k.dependentFn("matmul_fast", NAMES[s] + "_silu");
        }
        stage = k.dependentFn("fast_layout", "fast_stage");
        stageNorm = k.dependentFn("fast_layout", "fast_stage_norm");
        layoutBf16 = k.fn("fast_layout", "fast_layout_bf16");
        layoutF32 = k.fn("fast_layout", "fast_layout_f32");
        String choice = System.getProperty(SHAPE, "auto");
        forced = choice.equals("auto") ? -1 : java.util.Arrays.asList(NAMES).indexOf(choice);
        if (forced < 0 && !choice.equals("auto")) {
            throw new IllegalArgumentException(SHAPE + "=" + choice + ": use auto or one of " + String.join(", ", NAMES));
        }
        staged = ctx.alloc(stagedBytes(maxTokens, maxCols));
    }

    /** The kernels of the tile shapes, by name. */
    static java.util.List<String> shapeNames() {
        return java.util.List.of(NAMES);
    }

    /** Bytes of the staged input rows of n tokens with k inputs: whole 16-token tiles, k padded to 32. */
    static long stagedBytes(int n, int k) {
        return (n + 15L) / 16 * ((k + 31) / 32) * 1024L;
    }

    /** Pairs of 32 of k: the weights' and staged inputs' row length in 16-byte lane units of a warp. */
    private static int kPairs(int k) {
        return (k + 31) / 32;
    }

    /**
     * Which of {@link #SHAPES} a projection of n tokens over {@code rows} weight rows takes. Each output's bits are the
     * same in every shape; the choice only moves time. Measured per projection on an H200 at n = 1 … 2,767 over the
     * Qwen2.5-0.5B, Qwen1.5-14B and an edge shape (docs/benchmarks.md): 32 × 16 up to 16 tokens, 16 × 16 up to 64,
     * then the largest tile that still fills the multiprocessors {@link #WAVES} times over (within 7 % of the best
     * shape per layer at 700 and 2,767 tokens).
     */
    int shape(int rows, int n) {
        if (forced >= 0) return forced;
        if (n <= 16) return DECODE;
        if (n <= 64) return SMALL_BATCH;
        for (int s : LARGE) {
            if ((long) ((rows + SHAPES[s][0] - 1) / SHAPES[s][0]) * ((n + SHAPES[s][1] - 1) / SHAPES[s][1])
                    >= (long) WAVES * ctx.multiprocessors) {
                return s;
            }
        }
        return LARGE[LARGE.length - 1];
    }

    /** Row-major m rewritten into the fragment layout in bf16 ({@code consume}: m's memory freed). */
    @Override
    public DeviceWeights.Matrix layout(CudaContext ctx, Kernels k, DeviceWeights.Matrix m, boolean consume) {
        int stride = 32 * kPairs(m.cols());
        long bytes = (m.rows() + 7L) / 8 * kPairs(m.cols()) * 512L;
        CUdeviceptr p = ctx.alloc(bytes);
        k.launchGrid(m.dtype() == DType.BF16 ? layoutBf16 : layoutF32, 2048, 1, 1, 256, 0, m.ptr(), p, m.rows(), m.cols());
        ctx.synchronize();
        if (consume) ctx.free(m.ptr());
        return new DeviceWeights.Matrix(p, DType.BF16, m.rows(), m.cols(), stride);
    }

    @Override
    public void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps, CUdeviceptr in,
                        CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid) {
        switch (p) {
            case DeviceWeights.Gptq g -> k.gptq.matmul(g, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
            case DeviceWeights.Matrix m -> {
                if (n > maxTokens || m.cols() > maxCols) {
                    throw new IllegalStateException(n + " tokens of " + m.cols() + " inputs outgrow the fast profile's"
                            + " staging buffer (" + maxTokens + " x " + maxCols + ")");
                }
                k.launchGrid(fused == Kernels.Fused.NONE ? stage : stageNorm, n, 1, 1, STAGE_THREADS, 0, in, xrows,
                        norm, eps, staged, m.cols(), ldx);
                int s = shape(m.rows(), n);
                long blocks = (long) ((m.rows() + SHAPES[s][0] - 1) / SHAPES[s][0]) * ((n + SHAPES[s][1] - 1) / SHAPES[s][1]);
                k.launchGrid(mma[s][fused == Kernels.Fused.NORM_SILU ? 1 : 0], Math.toIntExact(blocks), 1, 1, SHAPES[s][2],
                        0, m.ptr(), staged, y, bias, resid, m.rows(), m.cols(), ldy, n);
            }
        }
    }

    @Override
    public void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads,
                       int kvHeads, int headDim, int blockSize, AttentionScores scores, int n, CUdeviceptr scratch) {
        k.attention.attend(qkv, out, in, keys, values, heads, kvHeads, headDim, blockSize, scores, n, scratch);
    }
}
