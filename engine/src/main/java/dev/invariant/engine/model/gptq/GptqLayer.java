package dev.invariant.engine.model.gptq;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The seven quantised projections of one decoder layer of a GPTQ checkpoint (norms and biases stay dense); a sparse
 * layer of a mixture of experts has its experts in its MoeWeights instead, and gate, up and down null here.
 */
public record GptqLayer(GptqLinear qProj, GptqLinear kProj, GptqLinear vProj, GptqLinear oProj,
                        GptqLinear gateProj, GptqLinear upProj, GptqLinear downProj) {

    /** Its projections, those of a sparse layer's MLP left out. */
    public List<GptqLinear> all() {
        return Stream.of(qProj, kProj, vProj, oProj, gateProj, upProj, downProj).filter(Objects::nonNull).toList();
    }
}
