package dev.invariant.engine.model;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.model.gptq.GptqLayer;
import dev.invariant.engine.model.gptq.GptqLinear;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps Hugging Face tensor names onto {@link ModelWeights} and checks every shape against the config.
 * Llama, Qwen2, Qwen3 and Gemma 3 share one name table (Phi-3's fused projections split into it by
 * {@link FusedProjections}, GPT-NeoX's and Phi's renamed into it by {@link GptNames}, GPT-2's by {@link Gpt2Names});
 * the architecture decides which optional tensors (q/k/v bias, q/k norm, Gemma 3's
 * feed-forward norms) must be present.
 */
public final class WeightMapping {
    /** A multimodal checkpoint's prefix of its language model's tensors, and the text model's. */
    private static final String[][] MULTIMODAL_NAMES = {
        {"language_model.model.", "model."}, {"model.language_model.", "model."},
        {"language_model.lm_head.", "lm_head."}, {"lm_head.", "lm_head."},
    };

    private WeightMapping() {
    }

    public static ModelWeights map(ModelConfig c, Map<String, Tensor> tensors) {
        return map(c, tensors, null);
    }

    /** With {@code gptq} set, the seven projections of every layer are read as GPTQ tensors ({@link GptqLinear}). */
    public static ModelWeights map(ModelConfig c, Map<String, Tensor> stored, GptqConfig gptq) {
        Map<String, Tensor> tensors = PartialRotary.arrange(c,
                FusedProjections.split(c, Gpt2Names.rename(c, GptNames.rename(c, languageModel(stored)))));
        boolean gpt = c.gptBlock() != null;
        // the GPT layer's MLP is ungated and every projection biased; StableLM's MLP and o_proj are Llama's
        boolean ungated = gpt && c.architecture() != Architecture.STABLELM;
        if (gpt && gptq != null) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "GPTQ checkpoints of " + c.architecture().hfName()
                    + " are not supported: the engine reads its layer's projections dense");
        }
        Lookup in = new Lookup(tensors);
        NormNames norms = NormNames.of(c);
        long h = c.hiddenSize();
        Tensor embed = in.get("model.embed_tokens.weight", c.vocabSize(), h);
        List<LayerWeights> layers = new ArrayList<>(c.numLayers());
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            boolean bias = c.attentionBias();
            boolean qk = c.qkNorm();
            boolean sparse = c.moe() != null && c.moe().sparse(i);
            if (gptq != null) {
                layers.add(gptqLayer(c, in, tensors, gptq, p, a, sparse));
                continue;
            }
            layers.add(new LayerWeights(
                    inputNorm(c, in, p),
                    in.get(a + "q_proj.weight", c.qDim(), h),
                    in.get(a + "k_proj.weight", c.kvDim(), h),
                    in.get(a + "v_proj.weight", c.kvDim(), h),
                    bias ? in.get(a + "q_proj.bias", c.qDim()) : null,
                    bias ? in.get(a + "k_proj.bias", c.kvDim()) : null,
                    bias ? in.get(a + "v_proj.bias", c.kvDim()) : null,
                    qk ? in.get(a + qkNormName(c, "q"), qkNormWidth(c, c.qDim())) : null,
                    qk ? in.get(a + qkNormName(c, "k"), qkNormWidth(c, c.kvDim())) : null,
                    in.get(a + "o_proj.weight", h, c.qDim()),
                    optional(in, norms.attention(), p, h),
                    sparse || ungated ? null : in.get(p + "mlp.gate_proj.weight", c.intermediateSize(), h),
                    sparse ? null : in.get(p + "mlp.up_proj.weight", c.intermediateSize(), h),
                    sparse ? null : in.get(p + "mlp.down_proj.weight", h, c.intermediateSize()),
                    null,
                    optional(in, norms.mlpInput(), p, h),
                    optional(in, norms.mlpOutput(), p, h),
                    sparse ? experts(c.moe(), in, p, h, null) : null,
                    gpt ? new LayerBiases(in.get(p + "input_layernorm.bias", h),
                            optional(in, norms.attention() == null ? null : "post_attention_layernorm.bias", p, h),
                            ungated ? in.get(a + "o_proj.bias", h) : null,
                            ungated ? in.get(p + "mlp.up_proj.bias", c.intermediateSize()) : null,
                            ungated ? in.get(p + "mlp.down_proj.bias", h) : null)
                            : null));
        }
        Tensor norm = in.get("model.norm.weight", h);
        // Tied models reuse the embedding as the output projection, whether or not the file repeats it.
        Tensor lmHead = c.tieWordEmbeddings() ? embed : in.get("lm_head.weight", c.vocabSize(), h);
        return new ModelWeights(embed, layers, norm, lmHead, gptq, gpt ? in.get("model.norm.bias", h) : null,
                c.architecture() == Architecture.PHI ? in.get("lm_head.bias", c.vocabSize()) : null,
                gpt && c.gptBlock().learnedPositions()
                        ? in.get("model.embed_positions.weight", c.maxPositionEmbeddings(), h) : null);
    }

    /**
     * The language model's tensors under a text model's names: as stored, or, for a checkpoint that holds it inside a
     * multimodal one (Gemma3ForConditionalGeneration, Mistral3ForConditionalGeneration), renamed from the hub's
     * {@code language_model.model.*} and {@code language_model.lm_head.*} or transformers 5's
     * {@code model.language_model.*}; the other tensors (the vision tower, its projector) are not read.
     */
    static Map<String, Tensor> languageModel(Map<String, Tensor> stored) {
        if (stored.containsKey("model.embed_tokens.weight")) return stored;
        Map<String, Tensor> renamed = new HashMap<>();
        for (Map.Entry<String, Tensor> e : stored.entrySet()) {
            String name = e.getKey();
            for (String[] rename : MULTIMODAL_NAMES) {
                if (name.startsWith(rename[0])) {
                    renamed.put(rename[1] + name.substring(rename[0].length()), e.getValue());
                    break;
                }
            }
        }
        return renamed.containsKey("model.embed_tokens.weight") ? renamed : stored;
    }

    /** A GPTQ checkpoint's layer; a sparse one's experts are read by {@link #experts} (packed where stored so). */
    private static LayerWeights gptqLayer(ModelConfig c, Lookup in, Map<String, Tensor> t, GptqConfig q, String p,
                                          String a, boolean sparse) {
        int h = c.hiddenSize(), f = c.intermediateSize(), qd = c.qDim(), kv = c.kvDim();
        boolean bias = c.attentionBias();
        GptqLayer g = new GptqLayer(gptq(t, q, a + "q_proj", h, qd), gptq(t, q, a + "k_proj", h, kv),
                gptq(t, q, a + "v_proj", h, kv), gptq(t, q, a + "o_proj", qd, h),
                sparse ? null : gptq(t, q, p + "mlp.gate_proj", h, f), sparse ? null : gptq(t, q, p + "mlp.up_proj", h, f),
                sparse ? null : gptq(t, q, p + "mlp.down_proj", f, h));
        NormNames norms = NormNames.of(c);
        return new LayerWeights(inputNorm(c, in, p), null, null, null,
                bias ? in.get(a + "q_proj.bias", qd) : null,
                bias ? in.get(a + "k_proj.bias", kv) : null,
                bias ? in.get(a + "v_proj.bias", kv) : null,
                c.qkNorm() ? in.get(a + qkNormName(c, "q"), qkNormWidth(c, qd)) : null,
                c.qkNorm() ? in.get(a + qkNormName(c, "k"), qkNormWidth(c, kv)) : null,
                null, in.get(p + norms.attention(), h), null, null, null, g,
                optional(in, norms.mlpInput(), p, h), optional(in, norms.mlpOutput(), p, h),
                sparse ? experts(c.moe(), in, p, h, q) : null);
    }

    /** The norm before the attention; OLMo 2 and EXAONE 4 have none. */
    private static Tensor inputNorm(ModelConfig c, Lookup in, String p) {
        return c.architecture().normsInputs() ? in.get(p + "input_layernorm.weight", c.hiddenSize()) : null;
    }

    /** The q or k norm's tensor name: q_norm / k_norm, HunYuan's query_layernorm / key_layernorm. */
    private static String qkNormName(ModelConfig c, String qOrK) {
        if (c.architecture() == Architecture.HUNYUAN) return (qOrK.equals("q") ? "query" : "key") + "_layernorm.weight";
        return qOrK + "_norm.weight";
    }

    /** q_norm / k_norm: per head (Qwen3, Gemma 3), or over the whole projection of {@code width} (OLMo 2). */
    private static long qkNormWidth(ModelConfig c, int width) {
        return c.architecture().qkNormsWholeProjection() ? width : c.headDim();
    }

    /**
     * A sparse layer's experts under the hub's names, one tensor per expert and projection: Qwen's
     * ({@code mlp.gate}, {@code mlp.experts.E.gate_proj|up_proj|down_proj}, Qwen2-MoE's {@code mlp.shared_expert.*} and
     * {@code mlp.shared_expert_gate}) or Mixtral's ({@code block_sparse_moe.gate},
     * {@code block_sparse_moe.experts.E.w1|w3|w2}: gate, up, down). With {@code q} (a GPTQ checkpoint) an expert
     * whose projections are stored packed ({@code .qweight}) is read as GPTQ, one stored dense as dense; the router
     * and the shared expert's gate are always dense.
     */
    private static MoeWeights experts(Moe m, Lookup in, String p, long h, GptqConfig q) {
        boolean mixtral = in.tensors().containsKey(p + "block_sparse_moe.gate.weight");
        String block = p + (mixtral ? "block_sparse_moe." : "mlp.");
        String[] names = mixtral ? new String[] {"w1", "w3", "w2"} : new String[] {"gate_proj", "up_proj", "down_proj"};
        List<MoeWeights.Expert> experts = new ArrayList<>(m.numExperts());
        for (int e = 0; e < m.numExperts(); e++) {
            experts.add(expert(in, block + "experts." + e + ".", names, m.expertSize(), h, q));
        }
        int s = m.sharedExpertSize();
        return new MoeWeights(in.get(block + "gate.weight", m.numExperts(), h), experts,
                s == 0 ? null : expert(in, block + "shared_expert.", names, s, h, q),
                s == 0 ? null : in.get(block + "shared_expert_gate.weight", 1, h));
    }

    private static MoeWeights.Expert expert(Lookup in, String prefix, String[] names, long size, long h,
                                            GptqConfig q) {
        if (q != null && in.tensors().containsKey(prefix + names[0] + ".qweight")) {
            Map<String, Tensor> t = in.tensors();
            int hi = (int) h, si = (int) size;
            return new MoeWeights.Expert(null, null, null, new MoeWeights.Gptq(gptq(t, q, prefix + names[0], hi, si),
                    gptq(t, q, prefix + names[1], hi, si), gptq(t, q, prefix + names[2], si, hi)));
        }
        return new MoeWeights.Expert(in.get(prefix + names[0] + ".weight", size, h),
                in.get(prefix + names[1] + ".weight", size, h), in.get(prefix + names[2] + ".weight", h, size));
    }

    /** The norm stored as {@code p + name}, or null where the architecture has none ({@code name} null). */
    private static Tensor optional(Lookup in, String name, String p, long hidden) {
        return name == null ? null : in.get(p + name, hidden);
    }

    /**
     * The tensor names of a layer's norms after its input's, in the order LayerWeights holds them: {@code attention}
     * (LayerWeights.postAttentionLayernorm: the MLP's input norm where outputs are not normed, else the attention
     * output's), and where outputs are normed the MLP's input norm (null: none, OLMo 2) and the MLP output's.
     */
    private record NormNames(String attention, String mlpInput, String mlpOutput) {
        static NormNames of(ModelConfig c) {
            return switch (c.architecture()) {
                case GEMMA2, GEMMA3 -> new NormNames("post_attention_layernorm.weight",
                        "pre_feedforward_layernorm.weight", "post_feedforward_layernorm.weight");
                case OLMO2, EXAONE4 -> new NormNames("post_attention_layernorm.weight", null,
                        "post_feedforward_layernorm.weight");
                // GLM-4-0414: post_attention_layernorm is the MLP's input norm, as in Llama
                case GLM4 -> new NormNames("post_self_attn_layernorm.weight", "post_attention_layernorm.weight",
                        "post_mlp_layernorm.weight");
                case LLAMA, QWEN2, QWEN3, GRANITE, SMOLLM3, OLMOE, GEMMA, HUNYUAN, GPT_NEOX, STARCODER2, STABLELM ->
                        new NormNames("post_attention_layernorm.weight", null, null);
                // Phi: one norm before the attention and the MLP, which run in parallel
                case PHI -> new NormNames(null, null, null);
                case GPT2 -> new NormNames("post_attention_layernorm.weight", null, null);
            };
        }
    }

    private static GptqLinear gptq(Map<String, Tensor> t, GptqConfig q, String module, int in, int out) {
        if (t.containsKey(module + ".weight") && !t.containsKey(module + ".qweight")) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, "'" + module + ".weight' is stored dense, but the"
                    + " checkpoint declares GPTQ quantisation: the files do not match its quantization_config");
        }
        return new GptqLinear(module, q, in, out, t.get(module + ".qweight"), t.get(module + ".qzeros"),
                t.get(module + ".scales"), t.get(module + ".g_idx"));
    }

    private record Lookup(Map<String, Tensor> tensors) {
        Tensor get(String name, long... shape) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + name
                        + "' is missing from the weights; the files do not match config.json");
            }
            if (!Arrays.equals(t.shape(), shape)) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, "tensor '" + name + "' has shape "
                        + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(shape));
            }
            return t;
        }
    }
}
