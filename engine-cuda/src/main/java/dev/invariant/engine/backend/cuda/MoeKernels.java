package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A mixture of experts' steps between its projections (kernels/moe.cu, the twin of backend/cpu/Experts): the router's
 * choice per token, each expert's outputs added into the sum in expert order, Qwen2-MoE's gated shared expert; and
 * the projections of only the experts each token chose (kernels/matvec.cu's matvec_experts, or grouped by expert:
 * moe_group and matvec_grouped).
 */
final class MoeKernels {
    private static final int THREADS = 256;
    /** moe_route: a warp per token; its shared arrays hold at most this many experts. */
    static final int MAX_EXPERTS = 1024;
    /**
     * auto (default): the chosen experts on every step of a model whose experts are each chosen by at most a tenth of
     * the tokens (k ≤ E / 10: Qwen1.5-MoE, Qwen3-MoE), else on steps of at most E (token, choice) pairs; chosen:
     * every step; all: every expert over every token on every step. The same bits in every case. Why a tenth (an
     * estimate, not measured for a mixture with k > E / 10): a chosen pair reads its expert's bytes, every expert over
     * every token costs E / k times the arithmetic, and CUDA cores do roughly ten flops in the time a byte arrives.
     * Measured for Qwen1.5-MoE-A2.7B's shape (docs/benchmarks.md 2026-12-06 19:53–20:16): chosen 7.1x faster than all
     * at batch 1 on the H200 (5.4x on an H100), 3.8x at 16, 1.78x for a 700-token prefill.
     */
    static final String EXPERTS = "invariant.cuda.moe-experts";
    /**
     * true (default): where a step takes the chosen experts, its MLP input is RMSNorm'ed once (matvec_tile_norm_rows)
     * and the router and the chosen experts read x'; false: each normalises it itself. The same values either way.
     */
    static final String NORM_FIRST = "invariant.cuda.moe-norm-first";
    /**
     * auto (default): steps with more (token, choice) pairs than experts group them by expert (moe_group,
     * matvec_grouped: each weight row read once per group of up to 4 of its tokens), smaller ones give each pair a
     * block row (matvec_experts); true: every step that takes the chosen experts grouped; false: none (but steps of
     * more pairs than a grid holds). The same values in every case. Measured on an H100 (docs/benchmarks.md
     * 2026-12-06 22:52–22:56, Qwen1.5-MoE-A2.7B's shape, 60 experts, 4 a token): grouped 1.21x at batch 16, 1.89x at
     * 64, 2.43x / 2.10x for a 700 / 2,767-token prefill; 0.92x at batch 1 and 0.955x at 4 (no more pairs than experts).
     */
    static final String GROUPED = "invariant.cuda.moe-grouped";
    /**
     * walk (default): moe_group, each expert's pairs counted by the block and placed by one warp's pass over the
     * list, 32 pairs at a time; scan: moe_group_scan, a thread per expert scanning the whole list twice. The same
     * groups either way; on an H100 (docs/benchmarks.md 2026-12-07 16:20) 5.9 against 20.5 µs for the 128 pairs of a
     * 32-token prefill, 1.03x a 700-token prefill of Qwen1.5-MoE-A2.7B's int8 shape.
     */
    static final String GROUP = "invariant.cuda.moe-group";
    /**
     * false (default): the chosen experts as matvec_experts or matvec_grouped; auto: steps of one token stream their
     * chosen experts' rows (experts_stream.cu: a block per multiprocessor, each warp's rows through a ring of shared
     * memory) where their input was normed first; true: every step that takes the chosen experts and is not grouped,
     * where a block's input rows fit its shared memory. The same values in every case. Measured on an H100
     * (docs/benchmarks.md 2026-12-06 22:52–22:56): batch 1 0.98x matvec_experts, batch 4 0.99x; off until it gains.
     */
    static final String STREAM = "invariant.cuda.moe-stream";
    /** experts_stream.cu's ring (EXPERTS_WARPS x EXPERTS_SLOTS x EXPERTS_GROUPS); ExpertsStreamTest reads it there. */
    static final StreamRing.Shape STREAM_RING = new StreamRing.Shape(16, 2, 8, "");
    /** experts_stream.cu's own shared arrays (the ring's barriers), below this. */
    private static final int STREAM_STATIC_SMEM = 512;
    /** A grid's most blocks in y: matvec_experts' pairs, matvec_grouped's groups. */
    static final int MAX_GRID_Y = 65535;

    /** The fewest pairs of a step that takes the grouped kernels, by {@link #GROUPED}. */
    static int groupedFrom(int experts) {
        String v = System.getProperty(GROUPED, "auto");
        return switch (v) {
            case "auto" -> experts + 1;
            case "true" -> 0;
            case "false" -> MAX_GRID_Y + 1;  // and beyond, where a block row per pair no longer fits the grid
            default -> throw new IllegalArgumentException("-D" + GROUPED + " takes auto, true or false; got " + v);
        };
    }

    private final Kernels k;
    private final CUfunction route;
    private final CUfunction accumulate;
    private final CUfunction sharedAdd;
    private final CUfunction combine;
    private final CUfunction group;
    /** matvec_grouped: [dtype bf16, f32][as {@link #chosen}]. */
    private final CUfunction[][] grouped = new CUfunction[2][3];
    /** matvec_experts: [dtype bf16, f32][down, gate|up with SiLU of the input normed there, of x' normed before]. */
    private final CUfunction[][] chosen = new CUfunction[2][3];
    /** experts_stream: [dtype bf16, f32][down, gate|up with SiLU of x' normed before]. */
    private final CUfunction[][] streamed = new CUfunction[2][2];
    private final int multiprocessors;
    private final int streamSmem;

    MoeKernels(Kernels k, int multiprocessors, int maxSharedPerBlock) {
        this.k = k;
        this.multiprocessors = multiprocessors;
        this.streamSmem = maxSharedPerBlock - STREAM_STATIC_SMEM;
        route = k.dependentFn("moe", "moe_route");
        accumulate = k.dependentFn("moe", "moe_accumulate");
        sharedAdd = k.dependentFn("moe", "moe_shared_add");
        combine = k.dependentFn("moe", "moe_combine");
        String grouping = System.getProperty(GROUP, "walk");
        if (!grouping.equals("walk") && !grouping.equals("scan")) {
            throw new IllegalArgumentException("-D" + GROUP + " takes walk or scan; got " + grouping);
        }
        group = k.dependentFn("moe", grouping.equals("walk") ? "moe_group" : "moe_group_scan");
        String[] dtypes = {"bf16", "f32"};
        String[] fused = {"", "_norm_silu", "_silu"};
        for (int d = 0; d < 2; d++) {
            for (int f = 0; f < 3; f++) {
                // not dependent: its weights' addresses come from the list the route just wrote
                CUfunction fn = k.fn("matvec", "matvec_experts_" + dtypes[d] + fused[f]);
                cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        k.matvecSmem);
                chosen[d][f] = fn;
                CUfunction g = k.fn("matvec", "matvec_grouped_" + dtypes[d] + fused[f]);
                cuFuncSetAttribute(g, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        k.matvecSmem);
                grouped[d][f] = g;
            }
            for (int f = 0; f < 2; f++) {
                CUfunction fn = k.fn("experts_stream", "experts_stream_" + dtypes[d] + (f == 0 ? "" : "_silu"));
                cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        streamSmem);
                streamed[d][f] = fn;
            }
        }
    }

    /**
     * Each of n tokens' weights ([n, E], 0 where not chosen) and choices ([n, E] ints) from its router logits, and
     * (list not null) its chosen experts by ascending index ([n, k] ints).
     */
    void route(CUdeviceptr logits, CUdeviceptr weight, CUdeviceptr chosen, CUdeviceptr list, int n, int experts,
               int perToken, boolean norm) {
        k.launch(route, n, 1, 32, 0, logits, weight, chosen, list, n, experts, perToken, norm ? 1 : 0);
    }

    /**
     * y[p] = W_e · x[p / xdiv] for each of the {@code pairs} (token, choice) pairs, e = list[p], W_e from
     * {@code table}; {@code silu}: the (gate, up) row pairs through silu(gate) * up, x RMSNorm'ed with {@code norm}
     * first where it is not null. Rows of x are {@code ldx} apart, of y {@code ldy}.
     */
    void chosenExperts(DeviceExperts.Table table, boolean silu, CUdeviceptr list, int xdiv,
                       CUdeviceptr x, CUdeviceptr norm, float eps, CUdeviceptr y, int pairs, int ldx, int ldy) {
        if (norm != null && !silu) throw new IllegalArgumentException("a normed input is read by gate|up only");
        CUfunction f = chosen[table.dtype() == DType.BF16 ? 0 : 1][!silu ? 0 : norm != null ? 1 : 2];
        int rowsPerBlock = Kernels.MATVEC_WARPS;
        k.launch(f, (table.rows() + rowsPerBlock - 1) / rowsPerBlock, pairs, 32 * Kernels.MATVEC_WARPS,
                Kernels.smem(table.cols(), 1), table.addresses(), list, xdiv, x, norm, eps, y, table.rows(),
                table.cols(), table.stride(), ldx, ldy);
    }

    /**
     * {@link #chosenExperts} of x' normed before, every pair's rows streamed by a block per multiprocessor; false
     * (nothing launched) where a block's input rows do not fit its shared memory.
     */
    boolean streamedExperts(DeviceExperts.Table table, boolean silu, CUdeviceptr list, int xdiv, CUdeviceptr x,
                            CUdeviceptr y, int pairs, int ldx, int ldy) {
        int smem = streamedSmem(pairs, table.rows(), silu, xdiv, table.cols(), multiprocessors);
        if (smem > streamSmem) return false;
        k.launch(streamed[table.dtype() == DType.BF16 ? 0 : 1][silu ? 1 : 0], multiprocessors, 1,
                STREAM_RING.threads(), smem, table.addresses(), list, xdiv, x, y, table.rows(), table.cols(),
                table.stride(), ldx, ldy, pairs);
        return true;
    }

    /** The most tokens of a step that takes the chosen experts and streams them, by {@link #STREAM}. */
    static int streamTokens() {
        String v = System.getProperty(STREAM, "false");
        return switch (v) {
            case "auto" -> 1;
            case "true" -> Integer.MAX_VALUE;
            case "false" -> 0;
            default -> throw new IllegalArgumentException("-D" + STREAM + " takes auto, true or false; got " + v);
        };
    }

    /**
     * experts_stream's dynamic shared memory: the ring and the most input rows (of k floats, rounded up to 4) a block
     * stages, found as the kernel splits the pairs' rows over the grid's warps.
     */
    static int streamedSmem(int pairs, int rows, boolean silu, int xdiv, int k, int blocks) {
        int u = silu ? 2 : 1;
        long units = (long) pairs * (rows / u);
        int most = 0;
        for (long b = 0; b < blocks; b++) {
            long b0 = b * units / blocks, b1 = (b + 1) * units / blocks;
            if (b1 > b0) {
                long lo = b0 * u / rows / xdiv, hi = (b1 * u - 1) / rows / xdiv;
                most = (int) Math.max(most, hi - lo + 1);
            }
        }
        return STREAM_RING.bytes() + 4 * ((k + 3) & ~3) * most;
    }

    /**
     * The step's pairs grouped by expert (kernels/moe.cu's moe_group): groups [maxGroups, 2] (expert or -1, count),
     * tok and pair [maxGroups, 4] each group's tokens and pairs.
     */
    void group(CUdeviceptr list, int pairs, int perToken, int experts, CUdeviceptr groups, CUdeviceptr tok,
               CUdeviceptr pair, int maxGroups) {
        int threads = (experts + 31) / 32 * 32;
        k.launch(group, 1, 1, threads, 0, list, pairs, perToken, experts, groups, tok, pair, maxGroups);
    }

    /**
     * {@link #chosenExperts} over {@link #group}'s groups: y[yrows[i]] = W_e · x[xrows[i]] for the up to 4 pairs of
     * each of {@code maxGroups} groups, each weight row read once per group.
     */
    void groupedExperts(DeviceExperts.Table table, boolean silu, CUdeviceptr groups, CUdeviceptr xrows,
                        CUdeviceptr yrows, CUdeviceptr x, CUdeviceptr norm, float eps, CUdeviceptr y, int maxGroups,
                        int ldx, int ldy) {
        if (norm != null && !silu) throw new IllegalArgumentException("a normed input is read by gate|up only");
        CUfunction f = grouped[table.dtype() == DType.BF16 ? 0 : 1][!silu ? 0 : norm != null ? 1 : 2];
        int rowsPerBlock = 4 * Kernels.MATVEC_WARPS;
        k.launch(f, (table.rows() + rowsPerBlock - 1) / rowsPerBlock, maxGroups, 32 * Kernels.MATVEC_WARPS,
                Kernels.smem(table.cols(), 4), table.addresses(), groups, xrows, yrows, x, norm, eps, y, table.rows(),
                table.cols(), table.stride(), ldx, ldy);
    }

    /** The most groups {@link #group} makes of {@code pairs} pairs over {@code experts} experts. */
    static int maxGroups(int pairs, int experts) {
        return (pairs + 3) / 4 + experts;
    }

    /** acc[t] = 0 + y[t·k] · w + ... + y[t·k + k - 1] · w, the chosen experts' outputs in ascending expert order. */
    void combine(CUdeviceptr acc, CUdeviceptr y, CUdeviceptr weight, CUdeviceptr list, int n, int hidden, int experts,
                 int perToken) {
        long count = (long) n * hidden;
        k.launch(combine, blocks(count), 1, THREADS, 0, acc, y, weight, list, count, hidden, experts, perToken);
    }

    /** acc = acc + y * w for the tokens that chose expert e ({@code first}: acc starts at 0). */
    void accumulate(CUdeviceptr acc, CUdeviceptr y, CUdeviceptr weight, CUdeviceptr chosen, int n, int hidden,
                    int experts, int e, boolean first) {
        long count = (long) n * hidden;
        k.launch(accumulate, blocks(count), 1, THREADS, 0, acc, y, weight, chosen, count, hidden, experts, e,
                first ? 1 : 0);
    }

    /** acc = acc + sigmoid(g[t]) * ys for n tokens of hidden values. */
    void sharedAdd(CUdeviceptr acc, CUdeviceptr ys, CUdeviceptr g, int n, int hidden) {
        long count = (long) n * hidden;
        k.launch(sharedAdd, blocks(count), 1, THREADS, 0, acc, ys, g, count, hidden);
    }

    /** The most (token, choice) pairs a step of {@link #EXPERTS}'s choice projects as chosen experts (0: none). */
    static int chosenPairs(dev.invariant.engine.model.Moe moe, int maxTokens) {
        int all = Math.multiplyExact(maxTokens, moe.expertsPerToken());
        String v = System.getProperty(EXPERTS, "auto");
        int pairs = switch (v) {
            case "auto" -> 10 * moe.expertsPerToken() <= moe.numExperts() ? all : Math.min(all, moe.numExperts());
            case "chosen" -> all;
            case "all" -> 0;
            default -> throw new IllegalArgumentException(
                    "-D" + EXPERTS + " takes auto, chosen or all; got " + v);
        };
        return Math.min(pairs, 4 * (MAX_GRID_Y - moe.numExperts()));  // maxGroups within the grid
    }

    private static int blocks(long count) {
        return Math.toIntExact((count + THREADS - 1) / THREADS);
    }
}
