package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD8;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.numerics.RopeTable;
import java.util.function.LongToIntFunction;
import jcuda.driver.CUdeviceptr;

/**
 * The decoder forward pass on the GPU, top to bottom, the twin of backend/cpu/DecoderForward: the same steps in the
 * same order, each a kernel whose canonical reduction order is the CPU's (docs/numerics.md). It only enqueues work
 * on the stream, reading the step from {@link StepInputs}, so the same call runs eagerly or is captured as a graph.
 */
final class CudaForward {
    private final ModelConfig cfg;
    private final DeviceWeights w;
    private final Kernels k;
    /** The profile's projections and attention: portable's canonical kernels or naive's batch-dependent ones. */
    private final ProfileKernels profile;
    /** One-token steps' q|k|v projection with RoPE and the KV write fused (null: off, or Qwen3's q/k norm). */
    private final FusedRope fusedRope;
    /** Decode attention a block per split, RoPE included where asked (null: attention_decode.cu's splits). */
    private final AttentionBlocks blocks;
    private final int blockSize;
    private final long layerKvBytes;
    private final CUdeviceptr keys;
    private final CUdeviceptr values;
    private final CUdeviceptr cos;
    private final CUdeviceptr sin;
    /** SmolLM3's NoPE layers: the identity's table (RopeTable.none, cos 1, sin 0), as on the CPU; else null. */
    private final CUdeviceptr noCos;
    private final CUdeviceptr noSin;
    private final float scale;
    // activations, sized for the largest step
    private final CUdeviceptr x;
    private final CUdeviceptr qkv;
    private final CUdeviceptr attn;
    private final CUdeviceptr h;
    private final CUdeviceptr attnScratch;
    final CUdeviceptr logits;
    /** Per logits row, its greedy choice: 3 ints (kernels/greedy_scan.cu). */
    final CUdeviceptr greedy;

    /** KV blocks held (block ids 0 .. numBlocks - 1). */
    final int numBlocks;

    /**
     * @param kvBlocks how many KV blocks to hold, given the bytes of one block; asked after everything else is on the
     *                 device, so that it can size the cache by the memory left (gpu_memory_utilization)
     */
    CudaForward(CudaContext ctx, ModelConfig cfg, DeviceWeights w, Kernels k, ProfileKernels profile,
                LongToIntFunction kvBlocks, int blockSize, KvCacheDtype kv, int maxPositions, int maxTokens,
                int maxLogits) {
        this.cfg = cfg;
        this.w = w;
        this.k = k;
        this.profile = profile;
        this.fusedRope = FusedRope.of(ctx, k, kv, cfg.qkNorm());
        this.blocks = AttentionBlocks.of(ctx, k, kv, cfg.headDim());
        this.blockSize = blockSize;
        CUdeviceptr[] table = upload(ctx, RopeTable.of(cfg), maxPositions);
        this.cos = table[0];
        this.sin = table[1];
        boolean noPe = java.util.stream.IntStream.range(0, cfg.numLayers()).anyMatch(l -> !cfg.rotates(l));
        CUdeviceptr[] none = noPe ? upload(ctx, RopeTable.none(cfg.headDim()), maxPositions) : new CUdeviceptr[2];
        this.noCos = none[0];
        this.noSin = none[1];
        this.scale = (float) (1.0 / Math.sqrt((double) cfg.headDim()));
        long t = maxTokens;
        this.x = ctx.alloc(4 * t * cfg.hiddenSize());
        this.qkv = ctx.alloc(4 * t * qkvDim());
        this.attn = ctx.alloc(4 * t * cfg.qDim());
        this.h = ctx.alloc(4 * t * cfg.intermediateSize());
        long scratchBytes = k.attention.decodeScratchBytes(cfg.numHeads(), cfg.headDim());
        this.attnScratch = ctx.alloc(scratchBytes);
        cuMemsetD8(attnScratch, (byte) 0, scratchBytes);  // attention_splits' merge counters start at zero
        this.logits = ctx.alloc(4L * maxLogits * cfg.vocabSize());
        this.greedy = ctx.alloc(12L * maxLogits);
        this.numBlocks = kvBlocks.applyAsInt(kvBytes(cfg, 1, blockSize, kv));
        this.layerKvBytes = (long) kv.storage().bytes() * numBlocks * blockSize * cfg.kvDim();
        this.keys = ctx.alloc(layerKvBytes * cfg.numLayers());
        this.values = ctx.alloc(layerKvBytes * cfg.numLayers());
    }

    /** A RoPE table's cos and sin rows for positions 0 .. maxPositions - 1, on the device. */
    private static CUdeviceptr[] upload(CudaContext ctx, RopeTable rope, int maxPositions) {
        rope.ensure(maxPositions);
        int half = rope.headDim() / 2;
        float[] c = new float[maxPositions * half];
        float[] s = new float[maxPositions * half];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                c[p * half + i] = rope.cos(p, i);
                s[p * half + i] = rope.sin(p, i);
            }
        }
        return new CUdeviceptr[] {ctx.upload(c), ctx.upload(s)};
    }

    /** Bytes of KV cache for {@code numBlocks} blocks of {@code blockSize} positions stored as {@code kv}. */
    static long kvBytes(ModelConfig cfg, int numBlocks, int blockSize, KvCacheDtype kv) {
        return 2L * cfg.numLayers() * numBlocks * blockSize * cfg.kvDim() * kv.storage().bytes();
    }

    private int qkvDim() {
        return cfg.qDim() + 2 * cfg.kvDim();
    }

    /**
     * Enqueues the step for n tokens whose inputs are staged; the logits of m rows land in {@link #logits}, their
     * greedy choices in {@link #greedy} (always: a decode step's graph serves greedy and sampled rows alike).
     */
    void enqueue(StepInputs in, int n, int m) {
        int hidden = cfg.hiddenSize();
        int ffn = cfg.intermediateSize();
        int heads = cfg.numHeads();
        int kvHeads = cfg.numKvHeads();
        int headDim = cfg.headDim();
        float eps = cfg.rmsNormEps();

        // model.embed_tokens
        k.embed(w.embed(), in.tokens(), x, n);

        for (int l = 0; l < cfg.numLayers(); l++) {
            DeviceWeights.Layer lw = w.layers().get(l);
            CUdeviceptr layerKeys = keys.withByteOffset(l * layerKvBytes);
            CUdeviceptr layerValues = values.withByteOffset(l * layerKvBytes);
            // SmolLM3's NoPE layers rotate by the identity's table
            CUdeviceptr cos = cfg.rotates(l) ? this.cos : noCos;
            CUdeviceptr sin = cfg.rotates(l) ? this.sin : noSin;

            // input_layernorm, then self_attn.q_proj | k_proj | v_proj as one stacked matrix (+ Qwen2's bias),
            // Qwen3's q_norm / k_norm, rotary_emb on q and k, the KV cache update: one kernel for a step of one token
            // where FusedRope (asked for) takes it, else the projection, then rope_kv (or, blocks-rope, RoPE and the KV
            // update in the attention kernel)
            boolean ropeInAttention = blocks != null && fusedRope == null && blocks.takesRope(profile, n, lw.qNorm(),
                    headDim);
            if (ropeInAttention || fusedRope == null || !fusedRope.project(profile, lw, eps, x, n, qkv, in, cos, sin,
                    heads, kvHeads, headDim, blockSize, layerKeys, layerValues)) {
                profile.project(lw.qkv(), Kernels.Fused.NORM, lw.inputNorm(), eps, x, null, hidden, n, qkv, qkvDim(),
                        lw.qkvBias(), null);
                if (!ropeInAttention) {
                    k.ropeKv(qkv, in, cos, sin, lw.qNorm(), lw.kNorm(), eps, heads, kvHeads, headDim, blockSize,
                            layerKeys, layerValues, n);
                }
            }

            // self_attn: softmax(q·kᵀ · scale) · v over positions 0..pos, in fixed splits of 64
            if (blocks != null && blocks.takes(profile, n)) {
                blocks.attend(qkv, attn, in, layerKeys, layerValues, cos, sin, ropeInAttention, heads, kvHeads, headDim,
                        blockSize, scale, n, attnScratch);
            } else {
                profile.attend(qkv, attn, in, layerKeys, layerValues, heads, kvHeads, headDim, blockSize, scale, n,
                        attnScratch);
            }

            // self_attn.o_proj, then the residual add
            profile.project(lw.o(), Kernels.Fused.NONE, null, eps, attn, null, cfg.qDim(), n, x, hidden, null, x);

            // post_attention_layernorm, mlp.gate_proj | up_proj (rows interleaved), act_fn(gate) * up
            profile.project(lw.gateUp(), Kernels.Fused.NORM_SILU, lw.postNorm(), eps, x, null, hidden, n, h, ffn,
                    null, null);

            // mlp.down_proj, then the residual add
            profile.project(lw.down(), Kernels.Fused.NONE, null, eps, h, null, ffn, n, x, hidden, null, x);
        }

        // model.norm and lm_head, only for the rows whose logits are wanted
        if (m == 0) return;
        profile.project(w.lmHead(), Kernels.Fused.NORM, w.norm(), eps, x, in.logitRows(), hidden, m, logits,
                cfg.vocabSize(), null, null);
        k.greedyScan(logits, cfg.vocabSize(), m, greedy);
    }
}
