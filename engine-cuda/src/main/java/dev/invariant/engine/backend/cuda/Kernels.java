package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;

/**
 * Typed launches of the kernels in kernels/, one method per operation, on the context's stream. Grid shapes follow
 * the work (rows, tokens, heads), never the reduction: each kernel's order is fixed by its canonical definition.
 * Here the modules' functions, the one launch every kernel goes through and the small kernels; the projections
 * ({@link ProjectionKernels}, {@link GptqKernels}) and attention ({@link AttentionKernels}) are their own.
 */
final class Kernels {
    static final int MATVEC_WARPS = 8;  // warps per block: a row per warp for one token, 4 for token groups
    static final int[] MATVEC_TOKENS = {1, 4};  // tokens per block (kernels/matvec.cu's variants)
    private static final int MATVEC_STATIC_SMEM = 1024;  // the kernel's own shared arrays, below this

    private final CudaContext ctx;
    private final CUfunction embedBf16;
    private final CUfunction embedF32;
    private final CUfunction ropeKv;
    /** rope_kv with the q/k norms after RoPE (HunYuan). */
    private final CUfunction ropeKvAfter;
    private final CUfunction relayoutBf16;
    private final CUfunction relayoutF32;
    private final CUfunction greedyScan;
    private final CUfunction greedyTokens;
    /** Dynamic shared memory a projection block may take (its input rows). */
    final int matvecSmem;
    /** Dense projections: matvec.cu, matvec_stream.cu, matvec_tile.cu. */
    final ProjectionKernels projections;
    /** GPTQ projections: gptq_matvec.cu, gptq_stream.cu, gptq_direct.cu, gptq_decode.cu, gptq_tile.cu. */
    final GptqKernels gptq;
    /** attention.cu and attention_decode.cu. */
    final AttentionKernels attention;
    /** pointwise.cu and norm_add.cu: Gemma's and Granite's steps beyond Llama's. */
    final VariantKernels variants;
    /** moe.cu: a mixture of experts' routing and sums. */
    final MoeKernels moe;
    /** A mixture's chosen experts kept packed (gptq_matvec.cu's gptq_experts_*, gptq_grouped_*). */
    final GptqExperts gptqExperts;
    private final java.util.Map<CUfunction, String> names = new java.util.IdentityHashMap<>();
    /** Kernels that request their weights before they wait for the kernel before them (kernels/chain.cuh). */
    private final java.util.Set<CUfunction> dependent = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** false: every kernel starts after the one before it has finished (for comparison; the bits are the same). */
    static final String DEPENDENT_LAUNCH = "invariant.cuda.dependent-launch";
    private final boolean dependentLaunch = Boolean.parseBoolean(System.getProperty(DEPENDENT_LAUNCH, "true"));
    private final DriverLaunch driver;
    /** Set while profiling (eager steps only: events cannot sit in a replayed graph's timing). */
    KernelProfile profile;

    /**
     * @param hidden       the model's hidden size: picks one token's streamed ring (StreamRing)
     * @param maxPositions the longest context attention must serve: it sizes the kernel's shared memory
     * @param kv           the KV cache's stored dtype: picks rope_kv's and attention's variant (kernels/kv.cuh)
     * @param maxTokens    the most tokens a step projects (the projections' staging)
     */
    Kernels(CudaContext ctx, int hidden, int headDim, int maxPositions, KvCacheDtype kv, int maxTokens) {
        this.ctx = ctx;
        this.driver = new DriverLaunch(ctx.stream);
        embedBf16 = dependentFn("embed", "embed_bf16");
        embedF32 = dependentFn("embed", "embed_f32");
        ropeKv = dependentFn("rope_kv", "rope_kv" + kvSuffix(kv));
        ropeKvAfter = dependentFn("rope_kv", "rope_kv_after" + kvSuffix(kv));
        matvecSmem = ctx.maxSharedPerBlock - MATVEC_STATIC_SMEM;
        projections = new ProjectionKernels(this, ctx, hidden, maxTokens);
        gptq = new GptqKernels(this, ctx, projections);
        relayoutBf16 = fn("layout", "relayout_bf16");
        relayoutF32 = fn("layout", "relayout_f32");
        greedyScan = dependentFn("greedy_scan", "greedy_scan");
        greedyTokens = dependentFn("greedy_scan", "greedy_tokens");
        attention = new AttentionKernels(this, ctx, headDim, maxPositions, kv);
        variants = new VariantKernels(this, ctx);
        moe = new MoeKernels(this, ctx.multiprocessors, ctx.maxSharedPerBlock);
        gptqExperts = new GptqExperts(this);
    }

    /** The kernel-name suffix of a stored KV dtype: fp32 has none (rope_kv, attention_bf16, attention_fp8e5m2, …). */
    static String kvSuffix(KvCacheDtype kv) {
        return switch (kv.storage()) {
            case FP32, AUTO -> "";
            case BF16 -> "_bf16";
            case FP8_E4M3 -> "_fp8e4m3";
            case FP8_E5M2 -> "_fp8e5m2";
        };
    }

    CUfunction fn(String op, String kernel) {
        CUfunction f = ctx.function(op, kernel);
        names.put(f, kernel);
        return f;
    }

    /** {@link #fn} of a kernel that requests what no kernel writes before it waits (kernels/chain.cuh). */
    CUfunction dependentFn(String op, String kernel) {
        CUfunction f = fn(op, kernel);
        dependent.add(f);
        return f;
    }

    void embed(DeviceWeights.Matrix table, CUdeviceptr tokens, CUdeviceptr x, int n) {
        CUfunction f = table.dtype() == DType.BF16 ? embedBf16 : embedF32;
        launch(f, n, 1, 128, 0, table.ptr(), tokens, x, table.cols());
    }

    /** What a projection fuses around its dots (kernels/matvec.cu). */
    enum Fused { NONE, NORM, NORM_SILU }

    /**
     * Which of {@link #MATVEC_TOKENS} a projection of n tokens with k inputs takes: how many tokens share each weight
     * load, as many as their input rows fit in shared memory. A token's value never depends on it (each keeps its
     * own partials), so it may follow the batch.
     */
    int tokenGroup(int k, int n) {
        if (smem(k, 1) > matvecSmem) {
            throw new IllegalStateException("a projection with " + k + " inputs needs " + smem(k, 1)
                    + " bytes of shared memory per block, the GPU has " + matvecSmem);
        }
        return n == 1 || smem(k, 4) > matvecSmem ? 0 : 1;
    }

    static int smem(int k, int tokens) {
        return 4 * tokens * ((k + 3) & ~3);
    }

    /** Rewrites a row-major [rows, k] matrix into the projection layout (kernels/layout.cuh), rows {@code stride} apart. */
    void relayout(DType dtype, CUdeviceptr in, CUdeviceptr out, int rows, int k, int stride) {
        launch(dtype == DType.BF16 ? relayoutBf16 : relayoutF32, 1024, 1, 256, 0, in, out, rows, k, stride);
    }

    /**
     * Each of m logits rows' greedy choice (kernels/greedy_scan.cu): out[3r .. 3r + 2] = the lowest id of the maximum,
     * the lowest NaN or +inf id or -1, its float bits. A block per row, whatever m is.
     */
    void greedyScan(CUdeviceptr logits, int vocab, int m, CUdeviceptr out) {
        launch(greedyScan, m, 1, 1024, 0, logits, vocab, out);  // the kernel's THREADS
    }

    /** The n greedy choices' tokens (greedyScan's out) into a step's token inputs. */
    void greedyTokens(CUdeviceptr greedy, CUdeviceptr tokens, int n) {
        launch(greedyTokens, 1, 1, 256, 0, greedy, tokens, n);
    }

    /** @param normAfter the q/k norms after RoPE, not before (HunYuan) */
    void ropeKv(CUdeviceptr qkv, StepInputs in, CUdeviceptr cos, CUdeviceptr sin, CUdeviceptr qNorm, CUdeviceptr kNorm,
                boolean normAfter, float eps, int heads, int kvHeads, int headDim, int blockSize, CUdeviceptr keys,
                CUdeviceptr values, int n) {
        launch(normAfter ? ropeKvAfter : ropeKv, n, heads + 2 * kvHeads, 32, 0, qkv, in.positions(), in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin,
                qNorm, kNorm, eps, heads, kvHeads, headDim, blockSize, keys, values);
    }

    /** {@link #launchGrid} on a gx × gy grid. */
    void launch(CUfunction f, int gx, int gy, int threads, int smem, Object... args) {
        launchGrid(f, gx, gy, 1, threads, smem, args);
    }

    /** Launches f on a gx × gy × gz grid, timed when profiling; arguments: device pointers (null: a null one), int, float, long. */
    void launchGrid(CUfunction f, int gx, int gy, int gz, int threads, int smem, Object... args) {
        if (profile != null) profile.before();
        driver.launch(f, gx, gy, gz, threads, smem, dependentLaunch && dependent.contains(f), args);
        if (profile != null) profile.after(names.get(f));
    }
}
