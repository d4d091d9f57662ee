package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Moe;
import jcuda.driver.CUdeviceptr;

/**
 * A sparse layer's MLP on the GPU (docs/numerics.md §9.1, the twin of backend/cpu/Experts): the router's logits over
 * the normed input, each token's choice (kernels/moe.cu), the experts, Qwen2-MoE's gated shared expert, and the
 * residual add. Steps of up to {@link #chosenPairs} (token, choice) pairs project only the experts each token chose,
 * their addresses picked on the device from the route's list so that one graph serves every choice: a block row per
 * pair (matvec_experts), streamed by a block per multiprocessor in steps of few tokens (experts_stream), or from
 * {@link #groupedPairs} pairs on grouped by expert (moe_group, matvec_grouped); GPTQ experts kept packed alike
 * (gptq_experts_*, gptq_grouped_*), never streamed.
 * Larger steps run every expert in ascending order over all n tokens, added into the sum where chosen. A token's
 * outputs are the same dots in the same order on every path, so the bits are the CPU's on each. The experts take
 * portable's kernels in fast too (ProfileKernels.portableExperts), naive's own every expert over every token.
 */
final class CudaExperts {
    private final Moe moe;
    private final int hidden;
    private final float eps;
    private final Kernels k;
    private final ProfileKernels profile;
    /** The experts' own projections: portable's (in portable and fast) or the profile's (naive). */
    private final ProfileKernels expertKernels;
    // router logits, weights and choices ([n, E]), the experts' sum ([n, hidden])
    private final CUdeviceptr routerLogits;
    private final CUdeviceptr routeWeight;
    private final CUdeviceptr routeChosen;
    private final CUdeviceptr expertSum;
    /** The most pairs a step may have and take the chosen experts (MoeKernels.EXPERTS; 0: never, as in naive). */
    private final int chosenPairs;
    /** Steps of at least this many pairs take the grouped kernels (MoeKernels.GROUPED). */
    private final int groupedPairs;
    /** MoeKernels.NORM_FIRST: the chosen experts' steps norm their input once. */
    private final boolean normFirst = Boolean.parseBoolean(System.getProperty(MoeKernels.NORM_FIRST, "true"));
    /** MoeKernels.STREAM: steps of at most this many tokens stream the chosen experts (of x' normed first). */
    private final int streamTokens = MoeKernels.streamTokens();
    // the chosen path's: each token's choices ([n, k]), the pairs' h and outputs, moe_group's groups ([groups, 2]:
    // expert, count) with their tokens and pairs ([groups, 4])
    private final CUdeviceptr routeList;
    private final CUdeviceptr pairH;
    private final CUdeviceptr pairOut;
    private final CUdeviceptr groups;
    private final CUdeviceptr groupTok;
    private final CUdeviceptr groupPair;

    /** Refuses, before any weight is uploaded, a mixture whose experts moe_route cannot hold. */
    static void checkFits(ModelConfig cfg) {
        Moe moe = cfg.moe();
        if (moe != null && moe.numExperts() > MoeKernels.MAX_EXPERTS) {
            throw new EngineException(ErrorCode.BACKEND_UNAVAILABLE, "the cuda backend routes at most "
                    + MoeKernels.MAX_EXPERTS + " experts per layer; this model has " + moe.numExperts()
                    + ": use --backend cpu");
        }
    }

    /** After {@link #checkFits} (CudaBackend asks it before the upload). */
    CudaExperts(CudaContext ctx, ModelConfig cfg, Kernels k, ProfileKernels profile, int maxTokens) {
        this.moe = cfg.moe();
        this.hidden = cfg.hiddenSize();
        this.eps = cfg.rmsNormEps();
        this.k = k;
        this.profile = profile;
        long t = maxTokens;
        int experts = moe.numExperts();
        this.routerLogits = ctx.alloc(4 * t * experts);
        this.routeWeight = ctx.alloc(4 * t * experts);
        this.routeChosen = ctx.alloc(4 * t * experts);
        this.expertSum = ctx.alloc(4 * t * hidden);
        this.expertKernels = profile.portableExperts() ? new ProfileKernels.Portable(k) : profile;
        this.chosenPairs = profile.portableExperts() ? MoeKernels.chosenPairs(moe, maxTokens) : 0;
        this.groupedPairs = MoeKernels.groupedFrom(experts);
        boolean chosen = chosenPairs > 0;
        int maxGroups = MoeKernels.maxGroups(chosenPairs, experts);
        this.routeList = chosen ? ctx.alloc(4L * chosenPairs) : null;
        this.pairH = chosen ? ctx.alloc(4L * chosenPairs * moe.expertSize()) : null;
        this.pairOut = chosen ? ctx.alloc(4L * chosenPairs * hidden) : null;
        this.groups = chosen ? ctx.alloc(8L * maxGroups) : null;
        this.groupTok = chosen ? ctx.alloc(16L * maxGroups) : null;
        this.groupPair = chosen ? ctx.alloc(16L * maxGroups) : null;
    }

    /**
     * x = x + the layer's MLP of n tokens' x, its input norm {@code postNorm}; h (the widest MLP's n rows) and out
     * (n rows of hidden) are scratch.
     */
    void run(DeviceExperts e, CUdeviceptr postNorm, CUdeviceptr x, CUdeviceptr h, CUdeviceptr out, int n) {
        int count = moe.numExperts();
        int per = moe.expertsPerToken();
        int pairs = n * per;
        boolean packed = e.gateUpPacked() != null && e.downPacked() != null;
        boolean onlyChosen = (packed || e.gateUpTable() != null && e.downTable() != null) && pairs <= chosenPairs;
        // post_attention_layernorm: x' staged once for the router and the chosen experts (moe-norm-first), or
        // applied by each projection
        CUdeviceptr staged = onlyChosen && normFirst
                ? k.projections.normFirst(postNorm, eps, x, null, hidden, n, hidden) : null;
        CUdeviceptr in = staged != null ? staged : x;
        int ld = staged != null ? k.projections.stagedCols() : hidden;
        CUdeviceptr norm = staged != null ? null : postNorm;
        // mlp.gate: the router's logits, each token's k experts and weights
        profile.project(e.router(), staged != null ? Kernels.Fused.NONE : Kernels.Fused.NORM, norm, eps, in, null, ld,
                n, routerLogits, count, null, null);
        k.moe.route(routerLogits, routeWeight, routeChosen, onlyChosen ? routeList : null, n, count, per,
                moe.normTopK());
        if (onlyChosen) {
            int size = moe.expertSize();
            if (pairs >= groupedPairs) {
                int maxGroups = MoeKernels.maxGroups(pairs, count);
                k.moe.group(routeList, pairs, per, count, groups, groupTok, groupPair, maxGroups);
                if (packed) {
                    k.gptqExperts.grouped(e.gateUpPacked(), true, groups, groupTok, groupPair, in, norm, eps, pairH,
                            maxGroups, ld, size);
                    k.gptqExperts.grouped(e.downPacked(), false, groups, groupPair, groupPair, pairH, null, 0f,
                            pairOut, maxGroups, size, hidden);
                } else {
                    k.moe.groupedExperts(e.gateUpTable(), true, groups, groupTok, groupPair, in, norm, eps, pairH,
                            maxGroups, ld, size);
                    k.moe.groupedExperts(e.downTable(), false, groups, groupPair, groupPair, pairH, null, 0f,
                            pairOut, maxGroups, size, hidden);
                }
            } else if (packed) {
                k.gptqExperts.run(e.gateUpPacked(), true, routeList, per, in, norm, eps, pairH, pairs, ld, size);
                k.gptqExperts.run(e.downPacked(), false, routeList, 1, pairH, null, 0f, pairOut, pairs, size, hidden);
            } else {
                boolean stream = staged != null && n <= streamTokens;
                if (!(stream && k.moe.streamedExperts(e.gateUpTable(), true, routeList, per, in, pairH, pairs, ld,
                        size))) {
                    k.moe.chosenExperts(e.gateUpTable(), true, routeList, per, in, norm, eps, pairH, pairs, ld, size);
                }
                if (!(stream && k.moe.streamedExperts(e.downTable(), false, routeList, 1, pairH, pairOut, pairs,
                        size, hidden))) {
                    k.moe.chosenExperts(e.downTable(), false, routeList, 1, pairH, null, 0f, pairOut, pairs, size,
                            hidden);
                }
            }
            k.moe.combine(expertSum, pairOut, routeWeight, routeList, n, hidden, count, per);
        } else {
            for (int i = 0; i < count; i++) {
                expertKernels.project(e.gateUp().get(i), Kernels.Fused.NORM_SILU, postNorm, eps, x, null, hidden, n, h,
                        moe.expertSize(), null, null);
                expertKernels.project(e.down().get(i), Kernels.Fused.NONE, null, 0f, h, null, moe.expertSize(), n, out,
                        hidden, null, null);
                k.moe.accumulate(expertSum, out, routeWeight, routeChosen, n, hidden, count, i, i == 0);
            }
        }
        if (e.sharedGateUp() != null) {
            // Qwen2-MoE: + sigmoid(shared_expert_gate · x') * shared_expert(x')
            int size = moe.sharedExpertSize();
            profile.project(e.sharedGateUp(), Kernels.Fused.NORM_SILU, postNorm, eps, x, null, hidden, n, h, size,
                    null, null);
            profile.project(e.sharedDown(), Kernels.Fused.NONE, null, 0f, h, null, size, n, out, hidden, null, null);
            // the gate's one logit per token, in the router's buffer (read by now)
            profile.project(e.sharedGate(), Kernels.Fused.NORM, postNorm, eps, x, null, hidden, n, routerLogits, 1,
                    null, null);
            k.moe.sharedAdd(expertSum, out, routerLogits, n, hidden);
        }
        k.variants.addScaled(x, expertSum, (long) n * hidden, 1.0f);
    }
}
