package dev.invariant.engine.model;

import dev.invariant.engine.model.gptq.GptqConfig;
import java.util.List;

/**
 * All weights of a decoder model. {@code lmHead} is the same tensor as {@code embedTokens} when the model ties its
 * embeddings. {@code quantization} is the GPTQ settings of a quantised checkpoint, else null; {@code normBias} the final
 * LayerNorm's bias (GPT-NeoX, Phi), else null; {@code lmHeadBias} the output projection's bias (Phi), else null; {@code positions} the learned position
 * embeddings (GPT-2), else null.
 */
public record ModelWeights(Tensor embedTokens, List<LayerWeights> layers, Tensor norm, Tensor lmHead,
                           GptqConfig quantization, Tensor normBias, Tensor lmHeadBias, Tensor positions) {
    public ModelWeights {
        layers = List.copyOf(layers);
    }

    /** Weights whose final norm has no bias (all but GPT-NeoX's). */
    public ModelWeights(Tensor embedTokens, List<LayerWeights> layers, Tensor norm, Tensor lmHead,
                        GptqConfig quantization) {
        this(embedTokens, layers, norm, lmHead, quantization, null, null, null);
    }

    /** Dense weights. */
    public ModelWeights(Tensor embedTokens, List<LayerWeights> layers, Tensor norm, Tensor lmHead) {
        this(embedTokens, layers, norm, lmHead, null);
    }

    /** Bytes of the weights as held (memory-mapped or generated; GPTQ projections packed, never dequantised). */
    public long byteSize() {
        long n = embedTokens.byteSize() + norm.byteSize() + (lmHead == embedTokens ? 0 : lmHead.byteSize())
                + (normBias == null ? 0 : normBias.byteSize()) + (lmHeadBias == null ? 0 : lmHeadBias.byteSize())
                + (positions == null ? 0 : positions.byteSize());
        for (LayerWeights l : layers) n += l.byteSize();
        return n;
    }

    /** {@code none}, or the GPTQ settings such as {@code gptq int8 g128 sym}. */
    public String describeQuantization() {
        return quantization == null ? "none" : quantization.describe();
    }
}
