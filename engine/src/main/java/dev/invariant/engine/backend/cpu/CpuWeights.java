package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.model.gptq.GptqLinear;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.Matrix;
import dev.invariant.engine.numerics.RmsNorm;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The model's weights in the form the kernels read: matrices stay in place (bf16/f32, GPTQ packed) or are widened once
 * (f16, into {@code arena}); the small vectors (norm weights, biases) become float arrays.
 */
record CpuWeights(WeightMatrix embedTokens, List<Layer> layers, float[] norm, WeightMatrix lmHead, float[] normBias,
                  float[] lmHeadBias, WeightMatrix positions) {

    /**
     * One decoder layer; the Qwen2 biases, the q/k norms, Gemma 3's feed-forward norms and GPT-NeoX's other biases
     * (and its gate: its MLP is ungated) are null where absent. Projections are dense or GPTQ.
     */
    record Layer(float[] inputLayernorm,
                 Matrix qProj, Matrix kProj, Matrix vProj,
                 float[] qBias, float[] kBias, float[] vBias,
                 float[] qNorm, float[] kNorm,
                 Matrix oProj,
                 float[] postAttentionLayernorm,
                 Matrix gateProj, Matrix upProj, Matrix downProj,
                 float[] preFeedforwardLayernorm, float[] postFeedforwardLayernorm,
                 Experts experts,
                 Biases biases) {
    }

    /** GPT-NeoX's and Phi's biases of a layer's norms, o_proj and MLP ({@code LayerBiases}); null for other models. */
    record Biases(float[] inputLayernorm, float[] postAttentionLayernorm, float[] oProj, float[] upProj,
                  float[] downProj) {
    }

    /**
     * @param unitOffsetNorms Gemma's norms scale by {@code 1 + w}: each weight becomes the float {@code 1 + w} here,
     *                        the sum transformers computes in float32 before the product, so the product is the same
     */
    static CpuWeights prepare(ModelWeights w, Moe moe, Arena arena, boolean unitOffsetNorms) {
        WeightMatrix embed = WeightMatrix.of(w.embedTokens(), arena);
        WeightMatrix head = w.lmHead() == w.embedTokens() ? embed : WeightMatrix.of(w.lmHead(), arena);
        List<Layer> layers = w.layers().stream().map(l -> layer(l, moe, arena, unitOffsetNorms)).toList();
        return new CpuWeights(embed, layers, norm(w.norm(), arena, unitOffsetNorms), head, vector(w.normBias(), arena),
                vector(w.lmHeadBias(), arena), w.positions() == null ? null : WeightMatrix.of(w.positions(), arena));
    }

    private static Layer layer(LayerWeights l, Moe moe, Arena a, boolean unit) {
        GptqLayer g = l.gptq();
        return new Layer(norm(l.inputLayernorm(), a, unit),
                matrix(l.qProj(), g == null ? null : g.qProj(), a), matrix(l.kProj(), g == null ? null : g.kProj(), a),
                matrix(l.vProj(), g == null ? null : g.vProj(), a),
                vector(l.qBias(), a), vector(l.kBias(), a), vector(l.vBias(), a),
                norm(l.qNorm(), a, unit), norm(l.kNorm(), a, unit),
                matrix(l.oProj(), g == null ? null : g.oProj(), a),
                norm(l.postAttentionLayernorm(), a, unit),
                matrix(l.gateProj(), g == null ? null : g.gateProj(), a), matrix(l.upProj(), g == null ? null : g.upProj(), a),
                matrix(l.downProj(), g == null ? null : g.downProj(), a),
                norm(l.preFeedforwardLayernorm(), a, unit), norm(l.postFeedforwardLayernorm(), a, unit),
                l.moe() == null ? null : Experts.of(moe, l.moe(), a),
                l.biases() == null ? null : new Biases(vector(l.biases().inputLayernorm(), a),
                        vector(l.biases().postAttentionLayernorm(), a), vector(l.biases().oProj(), a),
                        vector(l.biases().upProj(), a), vector(l.biases().downProj(), a)));
    }

    private static float[] norm(Tensor t, Arena a, boolean unitOffset) {
        float[] w = vector(t, a);
        return w != null && unitOffset ? RmsNorm.unitOffset(w) : w;
    }

    /** A projection: its GPTQ form when the checkpoint is quantised, else the dense tensor (null: none). */
    private static Matrix matrix(Tensor dense, GptqLinear quantized, Arena a) {
        if (dense == null && quantized == null) return null;
        return quantized != null ? GptqMatrix.of(quantized, a) : WeightMatrix.of(dense, a);
    }

    private static float[] vector(Tensor t, Arena a) {
        return t == null ? null : WeightMatrix.of(t, a).toFloats();
    }
}
