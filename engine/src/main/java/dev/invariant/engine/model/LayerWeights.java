package dev.invariant.engine.model;

import dev.invariant.engine.model.gptq.GptqLayer;

/**
 * One decoder layer, named after the Hugging Face modules ({@code model.layers.N.*}).
 * Linear weights are [out, in] row-major, as stored by HF. Optional tensors are null when the
 * architecture has none (biases: Qwen2 and GLM only; qNorm/kNorm: Qwen3 and Gemma 3 per head, OLMo 2 over the whole
 * projection; preFeedforwardLayernorm: Gemma and GLM-4-0414; postFeedforwardLayernorm: Gemma, OLMo 2 and GLM-4-0414;
 * inputLayernorm: all but OLMo 2). {@code postAttentionLayernorm} is the norm before the MLP in Llama and Qwen (the
 * module of that name), the norm of the attention's output where outputs are normed (Gemma's and OLMo 2's module of
 * that name, GLM-4-0414's post_self_attn_layernorm); there the MLP's input norm is {@code preFeedforwardLayernorm}
 * (Gemma's pre_feedforward_layernorm, GLM-4-0414's post_attention_layernorm; OLMo 2 has none) and the MLP output's
 * {@code postFeedforwardLayernorm} (GLM-4-0414's post_mlp_layernorm). In a GPTQ checkpoint the
 * seven projections are in {@code gptq} (packed, docs/numerics.md "GPTQ weights") and their dense tensors are null.
 * A sparse layer of a mixture of experts has {@code moe} in place of gate/up/down, which are null. GPT-NeoX's layer has
 * no gate (its MLP is ungated) and {@code biases} for its norms, o_proj and MLP (null elsewhere).
 */
public record LayerWeights(
        Tensor inputLayernorm,
        Tensor qProj, Tensor kProj, Tensor vProj,
        Tensor qBias, Tensor kBias, Tensor vBias,
        Tensor qNorm, Tensor kNorm,
        Tensor oProj,
        Tensor postAttentionLayernorm,
        Tensor gateProj, Tensor upProj, Tensor downProj,
        GptqLayer gptq,
        Tensor preFeedforwardLayernorm, Tensor postFeedforwardLayernorm,
        MoeWeights moe,
        LayerBiases biases) {

    /** A layer without GPT-NeoX's biases. */
    public LayerWeights(Tensor inputLayernorm, Tensor qProj, Tensor kProj, Tensor vProj, Tensor qBias, Tensor kBias,
                        Tensor vBias, Tensor qNorm, Tensor kNorm, Tensor oProj, Tensor postAttentionLayernorm,
                        Tensor gateProj, Tensor upProj, Tensor downProj, GptqLayer gptq,
                        Tensor preFeedforwardLayernorm, Tensor postFeedforwardLayernorm, MoeWeights moe) {
        this(inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj, postAttentionLayernorm,
                gateProj, upProj, downProj, gptq, preFeedforwardLayernorm, postFeedforwardLayernorm, moe, null);
    }

    /** A layer without experts. */
    public LayerWeights(Tensor inputLayernorm, Tensor qProj, Tensor kProj, Tensor vProj, Tensor qBias, Tensor kBias,
                        Tensor vBias, Tensor qNorm, Tensor kNorm, Tensor oProj, Tensor postAttentionLayernorm,
                        Tensor gateProj, Tensor upProj, Tensor downProj, GptqLayer gptq,
                        Tensor preFeedforwardLayernorm, Tensor postFeedforwardLayernorm) {
        this(inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj, postAttentionLayernorm,
                gateProj, upProj, downProj, gptq, preFeedforwardLayernorm, postFeedforwardLayernorm, null);
    }

    /** A layer without Gemma 3's feed-forward norms. */
    public LayerWeights(Tensor inputLayernorm, Tensor qProj, Tensor kProj, Tensor vProj, Tensor qBias, Tensor kBias,
                        Tensor vBias, Tensor qNorm, Tensor kNorm, Tensor oProj, Tensor postAttentionLayernorm,
                        Tensor gateProj, Tensor upProj, Tensor downProj, GptqLayer gptq) {
        this(inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj, postAttentionLayernorm,
                gateProj, upProj, downProj, gptq, null, null, null);
    }

    /** A dense layer. */
    public LayerWeights(Tensor inputLayernorm, Tensor qProj, Tensor kProj, Tensor vProj, Tensor qBias, Tensor kBias,
                        Tensor vBias, Tensor qNorm, Tensor kNorm, Tensor oProj, Tensor postAttentionLayernorm,
                        Tensor gateProj, Tensor upProj, Tensor downProj) {
        this(inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj, postAttentionLayernorm,
                gateProj, upProj, downProj, null);
    }

    /** Bytes of all its tensors as stored (GPTQ projections packed). */
    public long byteSize() {
        long n = 0;
        for (Tensor t : new Tensor[] {inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj,
                postAttentionLayernorm, gateProj, upProj, downProj, preFeedforwardLayernorm,
                postFeedforwardLayernorm}) {
            if (t != null) n += t.byteSize();
        }
        if (gptq != null) n += gptq.all().stream().mapToLong(l -> l.byteSize()).sum();
        if (moe != null) n += moe.byteSize();
        if (biases != null) n += biases.byteSize();
        return n;
    }
}
