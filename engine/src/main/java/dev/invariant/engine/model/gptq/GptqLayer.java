package dev.invariant.engine.model.gptq;

import java.util.List;

/** The seven quantised projections of one decoder layer of a GPTQ checkpoint (norms and biases stay dense). */
public record GptqLayer(GptqLinear qProj, GptqLinear kProj, GptqLinear vProj, GptqLinear oProj,
                        GptqLinear gateProj, GptqLinear upProj, GptqLinear downProj) {

    public List<GptqLinear> all() {
        return List.of(qProj, kProj, vProj, oProj, gateProj, upProj, downProj);
    }
}
