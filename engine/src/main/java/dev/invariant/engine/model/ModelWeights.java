package dev.invariant.engine.model;

import java.util.List;

/**
 * All weights of a decoder model. {@code lmHead} is the same tensor as {@code embedTokens}
 * when the model ties its embeddings.
 */
public record ModelWeights(Tensor embedTokens, List<LayerWeights> layers, Tensor norm, Tensor lmHead) {
    public ModelWeights {
        layers = List.copyOf(layers);
    }
}
