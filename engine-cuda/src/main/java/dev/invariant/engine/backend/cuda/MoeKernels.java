package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A mixture of experts' steps between its projections (kernels/moe.cu, the twin of backend/cpu/Experts): the router's
 * choice per token, each expert's outputs added into the sum in expert order, Qwen2-MoE's gated shared expert; and
 * the projections of only the experts each token chose (kernels/matvec.cu's matvec_experts).
 */
final class MoeKernels {
    private static final int THREADS = 256;
    /** moe_route: a thread per token, its E logits read, chosen and written in place. */
    private static final int ROUTE_THREADS = 64;
    /**
     * auto (default): steps of at most E (token, choice) pairs project only the chosen experts (no more bytes than
     * every expert once), larger ones every expert over every token; chosen: every step the chosen experts; all: every
     * step every expert. The same bits in every case.
     */
    static final String EXPERTS = "invariant.cuda.moe-experts";
    private final Kernels k;
    private final CUfunction route;
    private final CUfunction accumulate;
    private final CUfunction sharedAdd;
    private final CUfunction combine;
    /** matvec_experts: [dtype bf16, f32][down, normed gate|up with SiLU]. */
    private final CUfunction[][] chosen = new CUfunction[2][2];

    MoeKernels(Kernels k) {
        this.k = k;
        route = k.dependentFn("moe", "moe_route");
        accumulate = k.dependentFn("moe", "moe_accumulate");
        sharedAdd = k.dependentFn("moe", "moe_shared_add");
        combine = k.dependentFn("moe", "moe_combine");
        String[] dtypes = {"bf16", "f32"};
        String[] fused = {"", "_norm_silu"};
        for (int d = 0; d < 2; d++) {
            for (int f = 0; f < 2; f++) {
                // not dependent: its weights' addresses come from the list the route just wrote
                CUfunction fn = k.fn("matvec", "matvec_experts_" + dtypes[d] + fused[f]);
                cuFuncSetAttribute(fn, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        k.matvecSmem);
                chosen[d][f] = fn;
            }
        }
    }

    /**
     * Each of n tokens' weights ([n, E], 0 where not chosen) and choices ([n, E] ints) from its router logits, and
     * (list not null) its chosen experts by ascending index ([n, k] ints).
     */
    void route(CUdeviceptr logits, CUdeviceptr weight, CUdeviceptr chosen, CUdeviceptr list, int n, int experts,
               int perToken, boolean norm) {
        k.launch(route, (n + ROUTE_THREADS - 1) / ROUTE_THREADS, 1, ROUTE_THREADS, 0, logits, weight, chosen, list, n,
                experts, perToken, norm ? 1 : 0);
    }

    /**
     * y[p] = W_e · x[p / xdiv] for each of the {@code pairs} (token, choice) pairs, e = list[p], W_e from
     * {@code table}; {@code normSilu}: x RMSNorm'ed with {@code norm} first and the (gate, up) row pairs through
     * silu(gate) * up. Rows of x are {@code ldx} apart, of y {@code ldy}.
     */
    void chosenExperts(DeviceExperts.Table table, boolean normSilu, CUdeviceptr list, int perToken, int xdiv,
                       CUdeviceptr x, CUdeviceptr norm, float eps, CUdeviceptr y, int pairs, int ldx, int ldy) {
        CUfunction f = chosen[table.dtype() == DType.BF16 ? 0 : 1][normSilu ? 1 : 0];
        int rowsPerBlock = Kernels.MATVEC_WARPS;
        k.launch(f, (table.rows() + rowsPerBlock - 1) / rowsPerBlock, pairs, 32 * Kernels.MATVEC_WARPS,
                Kernels.smem(table.cols(), 1), table.addresses(), list, perToken, xdiv, x, norm, eps, y, table.rows(),
                table.cols(), table.stride(), ldx, ldy);
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
        return switch (v) {
            case "auto" -> Math.min(all, moe.numExperts());
            case "chosen" -> all;
            case "all" -> 0;
            default -> throw new IllegalArgumentException(
                    "-D" + EXPERTS + " takes auto, chosen or all; got " + v);
        };
    }

    private static int blocks(long count) {
        return Math.toIntExact((count + THREADS - 1) / THREADS);
    }
}
