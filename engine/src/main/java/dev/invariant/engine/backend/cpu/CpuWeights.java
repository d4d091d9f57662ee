package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.Matrix;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The model's weights in the form the kernels read: matrices stay in place (bf16/f32, GPTQ packed) or are widened once
 * (f16, into {@code arena}); the small vectors (norm weights, biases) become float arrays.
 */
record CpuWeights(WeightMatrix embedTokens, List<Layer> layers, float[] norm, WeightMatrix lmHead) {

    /** One decoder layer; the Qwen2 biases and the Qwen3 q/k norms are null where absent. Projections are dense or GPTQ. */
    record Layer(float[] inputLayernorm,
                 Matrix qProj, Matrix kProj, Matrix vProj,
                 float[] qBias, float[] kBias, float[] vBias,
                 float[] qNorm, float[] kNorm,
                 Matrix oProj,
                 float[] postAttentionLayernorm,
                 Matrix gateProj, Matrix upProj, Matrix downProj) {
    }

    static CpuWeights prepare(ModelWeights w, Arena arena) {
        WeightMatrix embed = WeightMatrix.of(w.embedTokens(), arena);
        WeightMatrix head = w.lmHead() == w.embedTokens() ? embed : WeightMatrix.of(w.lmHead(), arena);
        List<Layer> layers = w.layers().stream().map(l -> layer(l, arena)).toList();
        return new CpuWeights(embed, layers, vector(w.norm(), arena), head);
    }

    private static Layer layer(LayerWeights l, Arena a) {
        GptqLayer g = l.gptq();
        if (g != null) {
            return new Layer(vector(l.inputLayernorm(), a),
                    GptqMatrix.of(g.qProj(), a), GptqMatrix.of(g.kProj(), a), GptqMatrix.of(g.vProj(), a),
                    vector(l.qBias(), a), vector(l.kBias(), a), vector(l.vBias(), a),
                    vector(l.qNorm(), a), vector(l.kNorm(), a),
                    GptqMatrix.of(g.oProj(), a),
                    vector(l.postAttentionLayernorm(), a),
                    GptqMatrix.of(g.gateProj(), a), GptqMatrix.of(g.upProj(), a), GptqMatrix.of(g.downProj(), a));
        }
        return new Layer(vector(l.inputLayernorm(), a),
                WeightMatrix.of(l.qProj(), a), WeightMatrix.of(l.kProj(), a), WeightMatrix.of(l.vProj(), a),
                vector(l.qBias(), a), vector(l.kBias(), a), vector(l.vBias(), a),
                vector(l.qNorm(), a), vector(l.kNorm(), a),
                WeightMatrix.of(l.oProj(), a),
                vector(l.postAttentionLayernorm(), a),
                WeightMatrix.of(l.gateProj(), a), WeightMatrix.of(l.upProj(), a), WeightMatrix.of(l.downProj(), a));
    }

    private static float[] vector(Tensor t, Arena a) {
        return t == null ? null : WeightMatrix.of(t, a).toFloats();
    }
}
