package dev.invariant.engine.model;

import dev.invariant.engine.model.gptq.GptqLayer;

/**
 * One decoder layer, named after the Hugging Face modules ({@code model.layers.N.*}).
 * Linear weights are [out, in] row-major, as stored by HF. Optional tensors are null when the
 * architecture has none (biases: Qwen2 only; qNorm/kNorm: Qwen3 and Gemma 3 per head, OLMo 2 over the whole
 * projection; preFeedforwardLayernorm: Gemma only; postFeedforwardLayernorm: Gemma and OLMo 2; inputLayernorm: all but
 * OLMo 2). {@code postAttentionLayernorm} is the module of that name: the norm before the MLP in Llama and Qwen, the
 * norm of the attention's output in Gemma and OLMo 2 (Gemma's MLP input is {@code preFeedforwardLayernorm}'s, OLMo 2's
 * the residual stream itself). In a GPTQ checkpoint the
 * seven projections are in {@code gptq} (packed, docs/numerics.md "GPTQ weights") and their dense tensors are null.
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
        Tensor preFeedforwardLayernorm, Tensor postFeedforwardLayernorm) {

    /** A layer without Gemma 3's feed-forward norms. */
    public LayerWeights(Tensor inputLayernorm, Tensor qProj, Tensor kProj, Tensor vProj, Tensor qBias, Tensor kBias,
                        Tensor vBias, Tensor qNorm, Tensor kNorm, Tensor oProj, Tensor postAttentionLayernorm,
                        Tensor gateProj, Tensor upProj, Tensor downProj, GptqLayer gptq) {
        this(inputLayernorm, qProj, kProj, vProj, qBias, kBias, vBias, qNorm, kNorm, oProj, postAttentionLayernorm,
                gateProj, upProj, downProj, gptq, null, null);
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
        return n;
    }
}
