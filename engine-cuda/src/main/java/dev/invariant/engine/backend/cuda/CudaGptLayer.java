package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.GptBlock;
import dev.invariant.engine.model.ModelConfig;
import jcuda.driver.CUdeviceptr;

/**
 * The GPT layer's own steps on the GPU (GPT-NeoX, Phi, GPT-2; {@link GptBlock}), the twin of
 * backend/cpu/DecoderForward's: LayerNorms with their biases (kernels/layer_norm.cu) ahead of unfused projections, the
 * biases of every projection in the projections' epilogue, the ungated MLP's GELU and the parallel residual
 * (kernels/pointwise.cu), GPT-2's learned positions (kernels/embed.cu's lookup, then the add). The attention between
 * them is every model's ({@link CudaForward}).
 */
final class CudaGptLayer {
    private final ModelConfig cfg;
    private final GptBlock gpt;
    private final Kernels k;
    private final ProfileKernels profile;
    /** A step's normed rows (the LayerNorms' outputs), then the MLP's output. */
    private final CUdeviceptr xn;
    private final CUdeviceptr mlpOut;

    CudaGptLayer(CudaContext ctx, ModelConfig cfg, Kernels k, ProfileKernels profile, int maxTokens) {
        this.cfg = cfg;
        this.gpt = cfg.gptBlock();
        this.k = k;
        this.profile = profile;
        this.xn = ctx.alloc(4L * maxTokens * cfg.hiddenSize());
        this.mlpOut = ctx.alloc(4L * maxTokens * cfg.hiddenSize());
    }

    /** GPT-2: x[t] = x[t] + wpe[position t] (embed.cu's lookup of the positions' rows, then one rounded add each). */
    void addPositions(DeviceWeights w, CUdeviceptr positions, CUdeviceptr x, int n) {
        if (w.positions() == null) return;
        k.embed(w.positions(), positions, mlpOut, n);
        k.variants.addScaled(x, mlpOut, (long) n * cfg.hiddenSize(), 1.0f);
    }

    /** input_layernorm (a LayerNorm), then q|k|v with their biases into qkv. */
    void projectQkv(DeviceWeights.Layer lw, CUdeviceptr x, CUdeviceptr qkv, int n) {
        int hidden = cfg.hiddenSize();
        k.variants.layerNorm(x, null, lw.inputNorm(), lw.gpt().inputNorm(), xn, cfg.rmsNormEps(), n, hidden);
        profile.project(lw.qkv(), Kernels.Fused.NONE, null, 0f, xn, null, hidden, n, qkv,
                cfg.qDim() + 2 * cfg.kvDim(), lw.qkvBias(), null);
    }

    /**
     * The rest of the layer after the attention: attention.dense with its bias into {@code a}; the MLP's LayerNorm
     * of the layer's input (parallel; Phi: the attention's, still in xn) or of x + a (in sequence); up_proj with
     * its bias into h, GELU, down_proj with its bias; then x = (mlp + a) + x, or x + mlp.
     */
    void rest(DeviceWeights.Layer lw, CUdeviceptr attn, CUdeviceptr x, CUdeviceptr a, CUdeviceptr h, int n) {
        int hidden = cfg.hiddenSize();
        int ffn = cfg.intermediateSize();
        long values = (long) n * hidden;
        float eps = cfg.rmsNormEps();
        DeviceWeights.GptBiases b = lw.gpt();
        profile.project(lw.o(), Kernels.Fused.NONE, null, 0f, attn, null, cfg.qDim(), n, a, hidden, b.o(), null);
        if (!gpt.parallel()) k.variants.addScaled(x, a, values, 1.0f);
        if (lw.postNorm() != null) k.variants.layerNorm(x, null, lw.postNorm(), b.postNorm(), xn, eps, n, hidden);
        profile.project(lw.gateUp(), Kernels.Fused.NONE, null, 0f, xn, null, hidden, n, h, ffn, b.up(), null);
        k.variants.gelu(cfg.activation(), h, (long) n * ffn);
        profile.project(lw.down(), Kernels.Fused.NONE, null, 0f, h, null, ffn, n, mlpOut, hidden, b.down(), null);
        if (gpt.parallel()) {
            k.variants.addPair(x, a, mlpOut, values);
        } else {
            k.variants.addScaled(x, mlpOut, values, 1.0f);
        }
    }

    /** The final LayerNorm of the m logit rows of x, then lm_head with its bias (Phi) into logits. */
    void logits(DeviceWeights w, CUdeviceptr x, CUdeviceptr logitRows, CUdeviceptr logits, int m) {
        int hidden = cfg.hiddenSize();
        k.variants.layerNorm(x, logitRows, w.norm(), w.normBias(), xn, cfg.rmsNormEps(), m, hidden);
        profile.project(w.lmHead(), Kernels.Fused.NONE, null, 0f, xn, null, hidden, m, logits, cfg.vocabSize(),
                w.lmHeadBias(), null);
    }
}
