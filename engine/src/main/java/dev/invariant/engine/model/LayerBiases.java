package dev.invariant.engine.model;

/**
 * The GPT layer's biases beyond q's, k's and v's ({@link GptBlock}): its LayerNorms' ({@code input_layernorm},
 * {@code post_attention_layernorm}; Phi has only the first), the attention output's ({@code o_proj}, stored as {@code attention.dense}) and
 * the MLP's ({@code up_proj}, {@code down_proj}: {@code mlp.dense_h_to_4h}, {@code mlp.dense_4h_to_h}; StableLM has none of these three).
 */
public record LayerBiases(Tensor inputLayernorm, Tensor postAttentionLayernorm, Tensor oProj, Tensor upProj,
                          Tensor downProj) {

    /** Bytes of the five vectors as stored. */
    public long byteSize() {
        return inputLayernorm.byteSize() + (postAttentionLayernorm == null ? 0 : postAttentionLayernorm.byteSize())
                + (oProj == null ? 0 : oProj.byteSize() + upProj.byteSize() + downProj.byteSize());
    }
}
