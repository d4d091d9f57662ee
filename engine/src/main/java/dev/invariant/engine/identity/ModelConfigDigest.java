package dev.invariant.engine.identity;

import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.RopeScaling;
import dev.invariant.engine.model.gptq.GptqConfig;

/**
 * The model configuration digest (docs/identity.md, "invariant.model.v1"): SHA-256 over the values read from
 * {@code config.json} / {@code generation_config.json} (and a GPTQ checkpoint's quantisation settings) that decide
 * what the engine computes with a model's tensors. The weights digest covers only the tensors, so two deployments
 * of the same weights that read RoPE scaling, eps, the head split or the EOS ids differently must differ here.
 * Values only, never paths: the same folder copied elsewhere keeps its digest.
 */
public final class ModelConfigDigest {
    /** First field of the encoding; a new encoding gets a new tag. */
    public static final String VERSION = "invariant.model.v1";

    private ModelConfigDigest() {
    }

    /**
     * 64 lower-case hex digits.
     *
     * @param quantization a GPTQ checkpoint's settings, null for dense weights
     */
    public static String of(ModelConfig c, GptqConfig quantization) {
        CanonicalWriter w = new CanonicalWriter()
                .string(VERSION)
                .string(c.architecture().hfName())
                .i32(c.hiddenSize())
                .i32(c.intermediateSize())
                .i32(c.numLayers())
                .i32(c.numHeads())
                .i32(c.numKvHeads())
                .i32(c.headDim())
                .i32(c.vocabSize())
                .i32(c.maxPositionEmbeddings())
                .f64(c.ropeTheta());
        rope(w, c.ropeScaling());
        w.f32(c.rmsNormEps())
                .u8(c.tieWordEmbeddings() ? 1 : 0)
                .u8(c.attentionBias() ? 1 : 0)
                .u8(c.qkNorm() ? 1 : 0)
                .i32(c.bosTokenId())
                // generation stops at any of them: a set, so the order config.json lists them in cannot matter
                .ints(c.eosTokenIds().stream().mapToInt(Integer::intValue).sorted().distinct().toArray());
        // the variants' own values (the other architectures' encoding is unchanged); layers by index
        switch (c.variant()) {
            // Gemma 1: its GELU's form; the rest follows from the architecture (head_dim's scale, no caps or window)
            case dev.invariant.engine.model.Gemma g when c.architecture() == dev.invariant.engine.model.Architecture.GEMMA ->
                    w.string("gemma").string(g.activation() == dev.invariant.engine.model.Activation.GELU_ERF ? "gelu"
                            : "gelu_pytorch_tanh");
            case dev.invariant.engine.model.Gemma g -> {
                boolean two = c.architecture() == dev.invariant.engine.model.Architecture.GEMMA2;
                w.string(two ? "gemma2" : "gemma3").f64(g.queryPreAttnScalar()).i32(c.slidingWindow().size())
                        .ints(c.slidingWindow().slidingLayers()).f64(g.localRopeTheta()).f32(g.finalLogitSoftcap());
                if (two) w.f32(g.attnLogitSoftcap());
            }
            case dev.invariant.engine.model.Granite g -> w.string("granite").f32(g.embeddingMultiplier())
                    .f32(g.residualMultiplier()).f32(g.attentionMultiplier()).f32(g.logitsScaling());
            case dev.invariant.engine.model.NoPeLayers s -> w.string(c.architecture().hfName().equals("SmolLM3ForCausalLM")
                    ? "smollm3" : "nope")
                    .ints(java.util.stream.IntStream.range(0, c.numLayers()).filter(l -> !s.rotates(l)).toArray());
            // GPT-NeoX, Phi, GPT-2, StarCoder2, StableLM: whether attention and MLP run in parallel, the activation
            case dev.invariant.engine.model.GptBlock g -> w.string("gpt").u8(g.parallel() ? 1 : 0)
                    .string(switch (g.activation()) {
                        case GELU_ERF -> "gelu";
                        case GELU_TANH -> "gelu_pytorch_tanh";
                        case SILU -> "silu";
                    });
            // HunYuan: the alpha its RoPE base is scaled by (field 11 stays the config's rope_theta)
            case dev.invariant.engine.model.NtkAlpha a -> w.string("ntk_alpha").f64(a.alpha());
            case null, default -> { }
        }
        // another architecture's window (Gemma's is in its part): absent where none applies, so the digest of every
        // model without one is what it was before windows were computed
        if (c.gemma() == null && c.slidingWindow().size() > 0) {
            w.string("window").i32(c.slidingWindow().size()).ints(c.slidingWindow().slidingLayers());
        }
        // the dims of a head that rotate, where not all do (Phi-4-mini), or how they pair where they interleave (GLM)
        int rotary = c.ropeScaling().rotaryDim(c.headDim());
        if (c.ropeScaling().interleaved()) {
            w.string("interleaved_rotary").i32(rotary);
        } else if (rotary != c.headDim()) {
            w.string("partial_rotary").i32(rotary);
        }
        // a mixture of experts (absent for a dense model): its counts, sizes, whether the chosen weights are
        // renormalised, and its sparse layers by index
        if (c.moe() != null) {
            var m = c.moe();
            w.string("moe").i32(m.numExperts()).i32(m.expertsPerToken()).i32(m.expertSize()).u8(m.normTopK() ? 1 : 0)
                    .i32(m.sharedExpertSize()).ints(m.sparseLayers());
        }
        if (quantization == null) {
            w.string("none");
        } else {
            // sym is left out: the engine always reads the zeros from qzeros (GptqConfig)
            w.string("gptq").i32(quantization.bits()).i32(quantization.groupSize())
                    .u8(quantization.descAct() ? 1 : 0).u8(quantization.v2() ? 1 : 0);
        }
        return Sha256.hex(w.bytes());
    }

    /** Type, then every parameter, each 0 where the type has none (1 for default's factor), whatever the record holds. */
    private static void rope(CanonicalWriter w, RopeScaling r) {
        w.string(r.type().name().toLowerCase(java.util.Locale.ROOT));
        switch (r.type()) {
            case DEFAULT -> w.f64(1).f64(0).f64(0).i32(0);
            case LINEAR -> w.f64(r.factor()).f64(0).f64(0).i32(0);
            case LLAMA3 -> w.f64(r.factor()).f64(r.lowFreqFactor()).f64(r.highFreqFactor())
                    .i32(r.originalMaxPositions());
            case YARN -> w.f64(r.factor()).f64(r.betaSlow()).f64(r.betaFast()).i32(r.originalMaxPositions())
                    .f64(r.attentionFactor()).u8(r.truncate() ? 1 : 0);
            case LONGROPE -> {
                w.f64(r.attentionFactor()).f64(0).f64(0).i32(r.originalMaxPositions()).i32(r.shortFactors().size());
                for (double f : r.shortFactors()) w.f64(f);
            }
        }
    }
}
