package dev.invariant.engine.model;

/**
 * One decoder layer, named after the Hugging Face modules ({@code model.layers.N.*}).
 * Linear weights are [out, in] row-major, as stored by HF. Optional tensors are null when the
 * architecture has none (biases: Qwen2 only; qNorm/kNorm: Qwen3 only).
 */
public record LayerWeights(
        Tensor inputLayernorm,
        Tensor qProj, Tensor kProj, Tensor vProj,
        Tensor qBias, Tensor kBias, Tensor vBias,
        Tensor qNorm, Tensor kNorm,
        Tensor oProj,
        Tensor postAttentionLayernorm,
        Tensor gateProj, Tensor upProj, Tensor downProj) {
}
