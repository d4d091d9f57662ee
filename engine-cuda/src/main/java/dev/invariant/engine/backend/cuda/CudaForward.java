package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemsetD8;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Gemma;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Moe;
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
    /**
     * Per layer, its RoPE table's cos and sin rows: the model's; Gemma 3's sliding layers their own base's; SmolLM3's
     * NoPE layers the identity's (RopeTable.none, cos 1, sin 0), as on the CPU.
     */
    private final CUdeviceptr[] cos;
    private final CUdeviceptr[] sin;
    /** Per layer, its scores' scale, window (its sliding layers') and cap (Gemma 2). */
    private final AttentionScores[] scores;
    /** OLMo 2: q_norm and k_norm over a token's whole q and k (kernels/qk_norm.cu), not per head in rope_kv. */
    private final boolean projectionQkNorm;
    /** HunYuan: the per-head q/k norms after RoPE (rope_kv.cu's _after kernels). */
    private final boolean normAfterRope;
    /**
     * Gemma, OLMo 2: the gate/up projection's values (gate_i, up_i interleaved) before GELU, or before SiLU where no
     * norm precedes the MLP; else null (SiLU fused into the normed projection).
     */
    private final CUdeviceptr gateUp;
    /** Gemma, OLMo 2, Granite: a sublayer's output before its norm or multiplier and the residual add; else null. */
    private final CUdeviceptr out;
    /** A sparse layer's MLP: the router and the experts (null: a dense model). */
    private final CudaExperts experts;
    /** GPT-NeoX's and Phi's LayerNorms, biases, ungated MLP and parallel residual (null: other models). */
    private final CudaGptLayer gpt;
    /** The model's scalars, read once: embeddings' scale, residual factor, final logit cap and divisor (0: none). */
    private final float embedScale;
    private final float residualMultiplier;
    private final float logitCap;
    private final float logitDivisor;
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
        this.blockSize = blockSize;
        Gemma gemma = cfg.gemma();
        int layers = cfg.numLayers();
        this.scores = new AttentionScores[layers];
        this.cos = new CUdeviceptr[layers];
        this.sin = new CUdeviceptr[layers];
        CUdeviceptr[] global = upload(ctx, RopeTable.of(cfg), maxPositions);
        RopeTable slidingRope = RopeTable.sliding(cfg);
        CUdeviceptr[] local = null;
        CUdeviceptr[] none = null;
        for (int l = 0; l < layers; l++) {
            scores[l] = new AttentionScores(cfg.attentionScale(), cfg.slidingWindow().sizeOf(l),
                    gemma == null ? 0f : gemma.attnLogitSoftcap());
            // Gemma's and OLMo 3's sliding layers rotate by their own unscaled table
            boolean sliding = slidingRope != null && cfg.slidingWindow().slides(l);
            CUdeviceptr[] table = global;
            if (!cfg.rotates(l)) {
                table = none = none != null ? none : upload(ctx, RopeTable.none(cfg.headDim()), maxPositions);
            } else if (sliding) {
                table = local = local != null ? local : upload(ctx, slidingRope, maxPositions);
            }
            cos[l] = table[0];
            sin[l] = table[1];
        }
        this.blocks = AttentionBlocks.of(ctx, k, kv, cfg.headDim());
        long t = maxTokens;
        this.x = ctx.alloc(4 * t * cfg.hiddenSize());
        this.qkv = ctx.alloc(4 * t * qkvDim());
        this.attn = ctx.alloc(4 * t * cfg.qDim());
        Moe moe = cfg.moe();
        int widest = moe == null ? cfg.intermediateSize()
                : Math.max(cfg.intermediateSize(), Math.max(moe.expertSize(), moe.sharedExpertSize()));
        this.h = ctx.alloc(4 * t * widest);
        this.experts = moe == null ? null : new CudaExperts(ctx, cfg, k, profile, maxTokens);
        this.projectionQkNorm = cfg.architecture().qkNormsWholeProjection();
        this.normAfterRope = cfg.architecture().qkNormsAfterRope();
        // gate|up unfused from its activation: Gemma's GELU, or an MLP input without a norm to fuse (OLMo 2, EXAONE 4)
        this.gateUp = gemma != null || projectionQkNorm || !cfg.architecture().normsInputs()
                ? ctx.alloc(8 * t * cfg.intermediateSize()) : null;
        this.gpt = cfg.gptBlock() == null ? null : new CudaGptLayer(ctx, cfg, k, profile, maxTokens);
        boolean unfusedResidual = cfg.architecture().normsOutputs() || cfg.residualMultiplier() != 1.0f
                || moe != null || gpt != null;
        this.out = unfusedResidual ? ctx.alloc(4 * t * cfg.hiddenSize()) : null;
        this.embedScale = cfg.embeddingScale();
        this.residualMultiplier = cfg.residualMultiplier();
        this.logitCap = gemma == null ? 0f : gemma.finalLogitSoftcap();
        this.logitDivisor = cfg.granite() == null ? 0f : cfg.granite().logitsScaling();
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

        // model.embed_tokens (Gemma, Granite: times sqrt(hidden_size) / embedding_multiplier)
        k.embed(w.embed(), in.tokens(), x, n);
        if (embedScale != 1.0f) k.variants.scale(x, (long) n * hidden, embedScale);
        // GPT-2: plus its learned position's row
        if (gpt != null) gpt.addPositions(w, in.positions(), x, n);

        for (int l = 0; l < cfg.numLayers(); l++) {
            DeviceWeights.Layer lw = w.layers().get(l);
            CUdeviceptr layerKeys = keys.withByteOffset(l * layerKvBytes);
            CUdeviceptr layerValues = values.withByteOffset(l * layerKvBytes);
            CUdeviceptr cos = this.cos[l];
            CUdeviceptr sin = this.sin[l];

            // input_layernorm (OLMo 2: none), then self_attn.q_proj | k_proj | v_proj as one stacked matrix (+ Qwen2's
            // bias), q_norm / k_norm (Qwen3, Gemma 3: per head, in rope_kv; HunYuan: after RoPE, in rope_kv; OLMo 2:
            // over the whole q and k, a kernel of its own), rotary_emb on q and k, the KV cache update: one kernel for
            // a step of one token where FusedRope (asked for) takes it, else the projection, then rope_kv (or,
            // blocks-rope, RoPE and the KV update in the attention kernel); GPT-NeoX, Phi, GPT-2: a LayerNorm of its
            // own, then the projection with its biases
            boolean ropeInAttention = blocks != null && fusedRope == null && blocks.takesRope(profile, n, lw.qNorm(),
                    headDim);
            if (ropeInAttention || fusedRope == null || gpt != null || !fusedRope.project(profile, lw, eps, x, n, qkv,
                    in, cos, sin, heads, kvHeads, headDim, blockSize, layerKeys, layerValues)) {
                if (gpt != null) {
                    gpt.projectQkv(lw, x, qkv, n);
                } else {
                    profile.project(lw.qkv(), normed(lw.inputNorm()), lw.inputNorm(), eps, x, null, hidden, n, qkv,
                            qkvDim(), lw.qkvBias(), null);
                }
                if (projectionQkNorm) k.variants.qkNorm(qkv, lw.qNorm(), lw.kNorm(), eps, n, cfg.qDim(), cfg.kvDim());
                if (!ropeInAttention) {
                    CUdeviceptr qNorm = projectionQkNorm ? null : lw.qNorm();
                    CUdeviceptr kNorm = projectionQkNorm ? null : lw.kNorm();
                    k.ropeKv(qkv, in, cos, sin, qNorm, kNorm, normAfterRope, eps, heads, kvHeads, headDim, blockSize,
                            layerKeys, layerValues, n);
                }
            }

            // self_attn: softmax(q·kᵀ · scale) · v over positions 0..pos (sliding layers: the window), in
            // fixed splits of 64
            if (blocks != null && blocks.takes(profile, n)) {
                blocks.attend(qkv, attn, in, layerKeys, layerValues, cos, sin, ropeInAttention, heads, kvHeads, headDim,
                        blockSize, scores[l], n, attnScratch);
            } else {
                profile.attend(qkv, attn, in, layerKeys, layerValues, heads, kvHeads, headDim, blockSize, scores[l], n,
                        attnScratch);
            }

            // GPT-NeoX, Phi: attention.dense, the MLP and the residual as the GPT layer has them (CudaGptLayer)
            if (gpt != null) {
                gpt.rest(lw, attn, x, out, h, n);
                continue;
            }

            // self_attn.o_proj (Gemma, OLMo 2: then post_attention_layernorm), then the residual add (Granite: of o
            // times residual_multiplier)
            projectAndAdd(lw.o(), lw.oNorm(), attn, cfg.qDim(), n);

            if (lw.experts() != null) {
                // a sparse layer: the router, each token's experts, their weighted sum, the residual add (Experts)
                experts.run(lw.experts(), lw.postNorm(), x, h, out, n);
                continue;
            }

            // post_attention_layernorm (Gemma: pre_feedforward_layernorm; OLMo 2: none), mlp.gate_proj | up_proj
            // (rows interleaved), act_fn(gate) * up: SiLU fused into the normed projection, else (Gemma's GELU, OLMo
            // 2's unnormed input) after it
            if (gateUp == null) {
                profile.project(lw.gateUp(), Kernels.Fused.NORM_SILU, lw.postNorm(), eps, x, null, hidden, n, h, ffn,
                        null, null);
            } else {
                profile.project(lw.gateUp(), normed(lw.postNorm()), lw.postNorm(), eps, x, null, hidden, n, gateUp,
                        2 * ffn, null, null);
                k.variants.actMul(cfg.activation(), gateUp, h, n, ffn);
            }

            // mlp.down_proj (Gemma, OLMo 2: then post_feedforward_layernorm), then the residual add
            projectAndAdd(lw.down(), lw.downNorm(), h, ffn, n);
        }

        // model.norm and lm_head, only for the rows whose logits are wanted
        if (m == 0) return;
        if (gpt != null) {
            // GPT-NeoX, Phi: final_layer_norm, a LayerNorm; Phi's lm_head bias
            gpt.logits(w, x, in.logitRows(), logits, m);
        } else {
            profile.project(w.lmHead(), Kernels.Fused.NORM, w.norm(), eps, x, in.logitRows(), hidden, m, logits,
                    cfg.vocabSize(), null, null);
        }
        long values = (long) m * cfg.vocabSize();
        // Gemma 2: tanh(logit / cap) * cap; Granite: logit / logits_scaling
        if (logitCap > 0) k.variants.softcap(logits, values, logitCap);
        if (logitDivisor > 0) k.variants.divide(logits, values, logitDivisor);
        k.greedyScan(logits, cfg.vocabSize(), m, greedy);
    }

    /** A projection's fused prologue: the RMSNorm where the layer has that norm, none where it has not (OLMo 2). */
    private static Kernels.Fused normed(CUdeviceptr norm) {
        return norm == null ? Kernels.Fused.NONE : Kernels.Fused.NORM;
    }

    /**
     * A sublayer's output projection of n tokens and the residual add into x: fused into the projection (Llama's
     * x + o), or the projection into {@link #out}, then the norm of it ({@code norm} not null: Gemma, OLMo 2) and the
     * add, or Granite's x + o * residual_multiplier.
     */
    private void projectAndAdd(DeviceWeights.Projection p, CUdeviceptr norm, CUdeviceptr in, int cols, int n) {
        int hidden = cfg.hiddenSize();
        if (out == null) {
            profile.project(p, Kernels.Fused.NONE, null, 0f, in, null, cols, n, x, hidden, null, x);
            return;
        }
        profile.project(p, Kernels.Fused.NONE, null, 0f, in, null, cols, n, out, hidden, null, null);
        if (norm != null) {
            k.variants.normAdd(out, norm, x, cfg.rmsNormEps(), n, hidden);
        } else {
            k.variants.addScaled(x, out, (long) n * hidden, residualMultiplier);
        }
    }
}
