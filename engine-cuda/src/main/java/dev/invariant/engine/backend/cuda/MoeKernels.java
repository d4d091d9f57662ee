package dev.invariant.engine.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * A mixture of experts' steps between its projections (kernels/moe.cu, the twin of backend/cpu/Experts): the router's
 * choice per token, each expert's outputs added into the sum in expert order, Qwen2-MoE's gated shared expert.
 */
final class MoeKernels {
    private static final int THREADS = 256;
    /** moe_route: a thread per token, its E logits read, chosen and written in place. */
    private static final int ROUTE_THREADS = 64;
    private final Kernels k;
    private final CUfunction route;
    private final CUfunction accumulate;
    private final CUfunction sharedAdd;

    MoeKernels(Kernels k) {
        this.k = k;
        route = k.dependentFn("moe", "moe_route");
        accumulate = k.dependentFn("moe", "moe_accumulate");
        sharedAdd = k.dependentFn("moe", "moe_shared_add");
    }

    /** Each of n tokens' weights ([n, E], 0 where not chosen) and choices ([n, E] ints) from its router logits. */
    void route(CUdeviceptr logits, CUdeviceptr weight, CUdeviceptr chosen, int n, int experts, int perToken,
               boolean norm) {
        k.launch(route, (n + ROUTE_THREADS - 1) / ROUTE_THREADS, 1, ROUTE_THREADS, 0, logits, weight, chosen, n,
                experts, perToken, norm ? 1 : 0);
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

    private static int blocks(long count) {
        return Math.toIntExact((count + THREADS - 1) / THREADS);
    }
}
