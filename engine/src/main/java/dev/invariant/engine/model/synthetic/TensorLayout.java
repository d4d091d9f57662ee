package dev.invariant.engine.model.synthetic;

import dev.invariant.engine.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Hugging Face tensor names and shapes of a decoder model with a given config: exactly the tensors
 * a {@code *ForCausalLM} checkpoint stores (no {@code lm_head.weight} when embeddings are tied).
 */
public final class TensorLayout {

    /** One stored tensor; {@code norm} marks RMSNorm weights (initialised to 1). */
    public record Entry(String name, long[] shape, boolean norm) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private TensorLayout() {
    }

    public static List<Entry> of(ModelConfig c) {
        long h = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim();
        var out = new ArrayList<Entry>();
        out.add(new Entry("model.embed_tokens.weight", new long[] {c.vocabSize(), h}, false));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new Entry(p + "input_layernorm.weight", new long[] {h}, true));
            out.add(new Entry(p + "self_attn.q_proj.weight", new long[] {q, h}, false));
            out.add(new Entry(p + "self_attn.k_proj.weight", new long[] {kv, h}, false));
            out.add(new Entry(p + "self_attn.v_proj.weight", new long[] {kv, h}, false));
            if (c.attentionBias()) {
                out.add(new Entry(p + "self_attn.q_proj.bias", new long[] {q}, false));
                out.add(new Entry(p + "self_attn.k_proj.bias", new long[] {kv}, false));
                out.add(new Entry(p + "self_attn.v_proj.bias", new long[] {kv}, false));
            }
            if (c.qkNorm()) {
                out.add(new Entry(p + "self_attn.q_norm.weight", new long[] {c.headDim()}, true));
                out.add(new Entry(p + "self_attn.k_norm.weight", new long[] {c.headDim()}, true));
            }
            out.add(new Entry(p + "self_attn.o_proj.weight", new long[] {h, q}, false));
            out.add(new Entry(p + "post_attention_layernorm.weight", new long[] {h}, true));
            out.add(new Entry(p + "mlp.gate_proj.weight", new long[] {f, h}, false));
            out.add(new Entry(p + "mlp.up_proj.weight", new long[] {f, h}, false));
            out.add(new Entry(p + "mlp.down_proj.weight", new long[] {h, f}, false));
        }
        out.add(new Entry("model.norm.weight", new long[] {h}, true));
        if (!c.tieWordEmbeddings()) {
            out.add(new Entry("lm_head.weight", new long[] {c.vocabSize(), h}, false));
        }
        return out;
    }
}
