package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.backend.StepBatch;
import dev.invariant.engine.model.Activation;
import dev.invariant.engine.model.Gemma;
import dev.invariant.engine.model.Granite;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.SlidingWindow;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.FloatMath;
import dev.invariant.engine.numerics.LayerNorm;
import dev.invariant.engine.numerics.RmsNorm;
import dev.invariant.engine.numerics.RopeTable;

/**
 * The decoder forward pass of Llama, Qwen2, Qwen3, Gemma 2 and 3, Granite, SmolLM3 and OLMo 2, top to bottom; the
 * architecture-specific steps are marked (Qwen2: q/k/v bias; Qwen3 and Gemma 3: per-head q_norm/k_norm; Gemma: scaled
 * embeddings, sliding layers (Gemma 3: with their own RoPE base), capped scores (Gemma 2), norms of the attention's and
 * the MLP's outputs, GELU, the final softcap, its norms' 1 + w in the weights ({@link CpuWeights}); Granite: four
 * multipliers; SmolLM3: NoPE layers; OLMo 2: norms after, not before, and q/k norms over the whole projection;
 * GLM-4-0414: Gemma's four norms, plain; Mixtral, OLMoE, Qwen2-MoE, Qwen3-MoE: experts in place of the MLP of their
 * sparse layers, {@link Experts}; GPT-NeoX, Phi, GPT-2 and StarCoder2: LayerNorms, biases, an ungated MLP (GPT-NeoX
 * and Phi: in parallel with the attention; GPT-2: learned positions in place of RoPE); StableLM: LayerNorms around
 * Llama's layer). Each
 * step names the HF module it reproduces. All tokens of the step go through every layer together; each value a token
 * gets depends only on that token's sequence (docs/numerics.md, rule 1).
 */
final class DecoderForward {
    private final ModelConfig cfg;
    private final CpuWeights w;
    private final PagedKvCache kv;
    private final RopeTable rope;
    private final Gemma gemma;
    private final Granite granite;
    /** Which layers see only a window of keys (Gemma 2 and 3, Mistral-7B-v0.1, Phi-3-mini-4k, ...). */
    private final SlidingWindow window;
    /** OLMo 2: q/k norms over the whole projection, and no norm before the MLP. */
    private final boolean olmo2;
    /** HunYuan: the q/k norms after RoPE. */
    private final boolean qkNormAfterRope;
    private final float attentionScale;
    /** The MLP's activation: SiLU, or Gemma's GELU (tanh or exact form). */
    private final Activation activation;
    /** Gemma 2's cap on the attention scores, 0 for none. */
    private final float attentionSoftcap;
    /** Gemma's and OLMo 2's norms of the attention's and the MLP's outputs. */
    private final boolean outputNorms;
    /** GPT-NeoX, Phi: the attention and the MLP both read the layer's input, their outputs added to it together. */
    private final boolean parallel;
    /** Some layer's MLP is gated (every model's but the GPT layer's, whose MLP is up, act, down). */
    private final boolean gated;
    /** Gemma's sliding layers rotate with their own base (Gemma 2: the same one). */
    private final RopeTable localRope;
    /** SmolLM3's NoPE layers rotate with the identity (RopeTable.none), as on the GPU; the model's table elsewhere. */
    private final RopeTable noRope;
    private final WorkerPool pool;
    private final Linear linear;

    DecoderForward(ModelConfig cfg, CpuWeights w, PagedKvCache kv, WorkerPool pool, Linear linear) {
        this.cfg = cfg;
        this.w = w;
        this.kv = kv;
        this.rope = RopeTable.of(cfg);
        this.gemma = cfg.gemma();
        this.granite = cfg.granite();
        this.window = cfg.slidingWindow();
        this.olmo2 = cfg.architecture().qkNormsWholeProjection();
        this.qkNormAfterRope = cfg.architecture().qkNormsAfterRope();
        this.outputNorms = cfg.architecture().normsOutputs();
        this.parallel = cfg.gptBlock() != null && cfg.gptBlock().parallel();
        this.gated = w.layers().stream().anyMatch(l -> l.gateProj() != null);
        this.attentionScale = cfg.attentionScale();
        this.attentionSoftcap = gemma == null ? 0f : gemma.attnLogitSoftcap();
        this.activation = cfg.activation();
        boolean noPe = java.util.stream.IntStream.range(0, cfg.numLayers()).anyMatch(l -> !cfg.rotates(l));
        this.noRope = noPe ? RopeTable.none(cfg.headDim()) : rope;
        RopeTable sliding = RopeTable.sliding(cfg);
        this.localRope = sliding == null ? rope : sliding;
        this.pool = pool;
        this.linear = linear;
    }

    /** Runs the step, writes its K/V, and returns the logits of the tokens in {@code b.logitTokens()}. */
    float[][] forward(StepBatch b) {
        int n = b.size();
        int hidden = cfg.hiddenSize();
        int qDim = cfg.qDim();
        int kvDim = cfg.kvDim();
        int headDim = cfg.headDim();
        int ffn = cfg.intermediateSize();
        float eps = cfg.rmsNormEps();
        rope.ensure(b.maxEnd());
        if (localRope != rope) localRope.ensure(b.maxEnd());
        if (noRope != rope) noRope.ensure(b.maxEnd());

        float[] x = new float[n * hidden];
        float[] xn = new float[n * hidden];
        float[] q = new float[n * qDim];
        float[] k = new float[n * kvDim];
        float[] v = new float[n * kvDim];
        float[] attn = new float[n * qDim];
        float[] o = new float[n * hidden];
        float[] gate = gated ? new float[n * ffn] : null;
        float[] up = new float[n * ffn];
        float[] mlpOut = parallel ? new float[n * hidden] : null;

        // model.embed_tokens (GPT-2: wte, plus wpe's row of the token's position, one rounded add)
        for (int t = 0; t < n; t++) w.embedTokens().row(b.tokens()[t], x, t * hidden);
        if (w.positions() != null) {
            float[] p = new float[hidden];
            for (int t = 0; t < n; t++) {
                w.positions().row(b.positions()[t], p, 0);
                for (int i = 0; i < hidden; i++) x[t * hidden + i] = x[t * hidden + i] + p[i];
            }
        }
        // Gemma and Granite only: the embeddings times sqrt(hidden_size) / embedding_multiplier
        float embedScale = cfg.embeddingScale();
        if (embedScale != 1.0f) {
            for (int i = 0; i < n * hidden; i++) x[i] = x[i] * embedScale;
        }
        float residual = cfg.residualMultiplier();

        for (int l = 0; l < cfg.numLayers(); l++) {
            CpuWeights.Layer lw = w.layers().get(l);
            // GPT-NeoX, Phi and GPT-2 only: its norms' (LayerNorm), o_proj's and MLP's biases
            CpuWeights.Biases bs = lw.biases();
            final int layer = l;
            // sliding layers see a window of keys (Gemma's and OLMo 3's: and rotate by their own unscaled table)
            // SmolLM3 only: its NoPE layers rotate by nothing (GPT-2: every layer, its positions learned)
            final RopeTable lr = !cfg.rotates(l) ? noRope : window.slides(l) ? localRope : rope;

            // model.layers.N.input_layernorm (OLMo 2: none, the attention reads x itself; GPT-NeoX, Phi,
            // GPT-2: a LayerNorm)
            normOrCopy(x, xn, lw.inputLayernorm(), bs == null ? null : bs.inputLayernorm(), n, hidden, eps);

            // self_attn.q_proj, k_proj, v_proj
            linear.run(xn, hidden, n, new Linear.Job(lw.qProj(), q, qDim),
                    new Linear.Job(lw.kProj(), k, kvDim), new Linear.Job(lw.vProj(), v, kvDim));

            // Qwen2, GPT-NeoX, Phi, GPT-2: q/k/v_proj bias, one rounded add after the dot
            if (cfg.attentionBias()) {
                addBias(q, lw.qBias(), n, qDim);
                addBias(k, lw.kBias(), n, kvDim);
                addBias(v, lw.vBias(), n, kvDim);
            }

            pool.forRange(n, (lo, hi) -> {
                float[] scratch = new float[Dot.PARTIALS];
                for (int t = lo; t < hi; t++) {
                    // self_attn.q_norm / k_norm before RoPE: RMSNorm over the token's whole q and k (OLMo 2), or
                    // over each head (Qwen3, Gemma 3)
                    if (!qkNormAfterRope) qkNorm(lw, q, k, t, scratch);
                    // rotary_emb: apply_rotary_pos_emb (rotate-half) on q and k
                    int pos = b.positions()[t];
                    for (int h = 0; h < cfg.numHeads(); h++) lr.rotate(q, t * qDim + h * headDim, pos);
                    for (int h = 0; h < cfg.numKvHeads(); h++) lr.rotate(k, t * kvDim + h * headDim, pos);
                    // HunYuan: query_layernorm / key_layernorm over each head after RoPE
                    if (qkNormAfterRope) qkNorm(lw, q, k, t, scratch);
                    // the KV cache update (past_key_values), into this sequence's blocks
                    kv.write(layer, b.tables()[t], pos, k, t * kvDim, v, t * kvDim);
                }
            });

            // self_attn: softmax(q·kᵀ · scale) · v over positions 0..pos (Gemma's sliding layers: the window), per
            // head
            int heads = cfg.numHeads();
            int group = cfg.groupSize();
            pool.forRange(n * heads, (lo, hi) -> {
                PagedAttention att = new PagedAttention(kv, headDim, attentionScale, attentionSoftcap);
                for (int i = lo; i < hi; i++) {
                    int t = i / heads;
                    int h = i % heads;
                    int pos = b.positions()[t];
                    int first = window.firstKey(layer, pos);
                    att.attend(layer, b.tables()[t], first, pos, h / group,
                            q, t * qDim + h * headDim, attn, t * qDim + h * headDim);
                }
            });

            // self_attn.o_proj (Gemma, OLMo 2: then post_attention_layernorm; GLM-4-0414: post_self_attn_layernorm),
            // then the residual add (Granite: of o times residual_multiplier)
            linear.run(attn, qDim, n, new Linear.Job(lw.oProj(), o, hidden));
            // GPT-NeoX, Phi and GPT-2 only: attention.dense's (c_proj's) bias
            if (bs != null && bs.oProj() != null) addBias(o, bs.oProj(), n, hidden);
            if (outputNorms) norm(o, o, lw.postAttentionLayernorm(), null, n, hidden, eps);
            if (parallel) {
                // GPT-NeoX's parallel residual: post_attention_layernorm of the layer's input (Phi: the attention's
                // own input_layernorm, still in xn), the MLP, then x = (mlp + attn) + x as transformers adds them
                if (lw.postAttentionLayernorm() != null) {
                    norm(x, xn, lw.postAttentionLayernorm(), bs.postAttentionLayernorm(), n, hidden, eps);
                }
                mlp(lw, xn, n, gate, up, mlpOut);
                for (int i = 0; i < n * hidden; i++) o[i] = mlpOut[i] + o[i];
                addResidual(x, o, n * hidden, residual);
                continue;
            }
            addResidual(x, o, n * hidden, residual);

            // post_attention_layernorm (Gemma: pre_feedforward_layernorm; OLMo 2: none; GLM-4-0414: its
            // post_attention_layernorm, held as the pre-feed-forward norm since its outputs are normed)
            normOrCopy(x, xn, outputNorms ? lw.preFeedforwardLayernorm() : lw.postAttentionLayernorm(),
                    bs == null ? null : bs.postAttentionLayernorm(), n, hidden, eps);
            mlp(lw, xn, n, gate, up, o);
            // (Gemma, OLMo 2: then post_feedforward_layernorm; GLM-4-0414: post_mlp_layernorm), then the residual add
            if (outputNorms) norm(o, o, lw.postFeedforwardLayernorm(), null, n, hidden, eps);
            addResidual(x, o, n * hidden, residual);
        }

        // model.norm and lm_head, only for the positions whose logits are wanted
        int m = b.logitTokens().length;
        if (m == 0) return new float[0][];
        float[] last = new float[m * hidden];
        float[] scratch = new float[Dot.PARTIALS];
        float[] centred = new float[hidden];
        for (int i = 0; i < m; i++) {
            int at = b.logitTokens()[i] * hidden;
            // GPT-NeoX, Phi, GPT-2: final_layer_norm (ln_f), a LayerNorm
            if (w.normBias() != null) {
                LayerNorm.apply(x, at, w.norm(), w.normBias(), eps, hidden, last, i * hidden, scratch, centred);
            } else {
                RmsNorm.apply(x, at, w.norm(), eps, hidden, last, i * hidden, scratch);
            }
        }
        int vocab = cfg.vocabSize();
        float[] logits = new float[m * vocab];
        linear.run(last, hidden, m, new Linear.Job(w.lmHead(), logits, vocab));
        // Phi only: lm_head's bias
        if (w.lmHeadBias() != null) addBias(logits, w.lmHeadBias(), m, vocab);
        // Gemma only, when its config sets final_logit_softcapping: tanh(logit / cap) * cap
        if (gemma != null && gemma.finalLogitSoftcap() > 0) {
            float cap = gemma.finalLogitSoftcap();
            for (int i = 0; i < m * vocab; i++) logits[i] = FloatMath.tanh(logits[i] / cap) * cap;
        }
        // Granite only: logits / logits_scaling
        if (granite != null) {
            float div = granite.logitsScaling();
            for (int i = 0; i < m * vocab; i++) logits[i] = logits[i] / div;
        }
        float[][] out = new float[m][];
        for (int i = 0; i < m; i++) out[i] = java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
        return out;
    }

    /**
     * Token t's q/k norms in place: RMSNorm over its whole q and k (OLMo 2), or over each head (Qwen3, Gemma 3,
     * HunYuan); nothing where the model has none.
     */
    private void qkNorm(CpuWeights.Layer lw, float[] q, float[] k, int t, float[] scratch) {
        int qDim = cfg.qDim();
        int kvDim = cfg.kvDim();
        int headDim = cfg.headDim();
        float eps = cfg.rmsNormEps();
        if (olmo2) {
            RmsNorm.apply(q, t * qDim, lw.qNorm(), eps, qDim, q, t * qDim, scratch);
            RmsNorm.apply(k, t * kvDim, lw.kNorm(), eps, kvDim, k, t * kvDim, scratch);
        } else if (cfg.qkNorm()) {
            for (int h = 0; h < cfg.numHeads(); h++) {
                int off = t * qDim + h * headDim;
                RmsNorm.apply(q, off, lw.qNorm(), eps, headDim, q, off, scratch);
            }
            for (int h = 0; h < cfg.numKvHeads(); h++) {
                int off = t * kvDim + h * headDim;
                RmsNorm.apply(k, off, lw.kNorm(), eps, headDim, k, off, scratch);
            }
        }
    }

    /**
     * The layer's MLP of n rows of xn into y: a sparse layer's experts (the router, each token's experts, their
     * weighted sum: Experts); GPT-NeoX's ungated mlp.dense_h_to_4h, act, dense_4h_to_h with their biases; else
     * mlp.gate_proj, mlp.up_proj, act_fn(gate) * up (SiLU; Gemma: GELU), mlp.down_proj.
     */
    private void mlp(CpuWeights.Layer lw, float[] xn, int n, float[] gate, float[] up, float[] y) {
        int hidden = cfg.hiddenSize();
        int ffn = cfg.intermediateSize();
        if (lw.experts() != null) {
            lw.experts().run(xn, n, hidden, y, linear, pool);
        } else if (lw.gateProj() == null) {
            new UngatedMlp(lw.upProj(), lw.biases().upProj(), lw.downProj(), lw.biases().downProj(), ffn, activation)
                    .run(xn, n, hidden, up, y, linear, pool);
        } else {
            new Mlp(lw.gateProj(), lw.upProj(), lw.downProj(), ffn, activation)
                    .run(xn, n, hidden, gate, up, y, linear, pool);
        }
    }

    /** The norm into {@code out} ({@link #norm}), or with no weight (a layer without that norm) a copy. */
    private void normOrCopy(float[] in, float[] out, float[] weight, float[] bias, int n, int dim, float eps) {
        if (weight == null) {
            System.arraycopy(in, 0, out, 0, n * dim);
        } else {
            norm(in, out, weight, bias, n, dim, eps);
        }
    }

    /** RMSNorm of each row, or LayerNorm where the norm has a bias (GPT-NeoX). */
    private void norm(float[] in, float[] out, float[] weight, float[] bias, int n, int dim, float eps) {
        pool.forRange(n, (lo, hi) -> {
            float[] scratch = new float[Dot.PARTIALS];
            float[] centred = bias == null ? null : new float[dim];
            for (int t = lo; t < hi; t++) {
                if (bias == null) {
                    RmsNorm.apply(in, t * dim, weight, eps, dim, out, t * dim, scratch);
                } else {
                    LayerNorm.apply(in, t * dim, weight, bias, eps, dim, out, t * dim, scratch, centred);
                }
            }
        });
    }

    /** x += y, or with Granite's multiplier x += y * m (product rounded, then the add). */
    private static void addResidual(float[] x, float[] y, int count, float m) {
        if (m == 1.0f) {
            for (int i = 0; i < count; i++) x[i] = x[i] + y[i];
        } else {
            for (int i = 0; i < count; i++) x[i] = x[i] + y[i] * m;
        }
    }

    private static void addBias(float[] y, float[] bias, int n, int dim) {
        for (int t = 0; t < n; t++) {
            for (int i = 0; i < dim; i++) y[t * dim + i] = y[t * dim + i] + bias[i];
        }
    }
}
