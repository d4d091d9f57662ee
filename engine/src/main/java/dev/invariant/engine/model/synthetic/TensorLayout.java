package dev.invariant.engine.model.synthetic;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.gptq.GptqConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The Hugging Face tensor names and shapes of a decoder model with a given config: exactly the tensors
 * a {@code *ForCausalLM} checkpoint stores (no {@code lm_head.weight} when embeddings are tied). With GPTQ settings,
 * the seven projections of each layer are stored as AutoGPTQ writes them: {@code qweight}, {@code qzeros},
 * {@code scales}, {@code g_idx} instead of {@code weight}. A sparse layer of a mixture of experts stores Qwen's names
 * ({@code mlp.gate}, {@code mlp.experts.E.*}, the shared expert's), dense only.
 */
public final class TensorLayout {

    /** What a tensor holds, which decides how it is generated and its dtype. */
    public enum Kind { DENSE, NORM, QWEIGHT, QZEROS, SCALES, G_IDX }

    /** One stored tensor; NORM marks RMSNorm weights (initialised to 1). */
    public record Entry(String name, long[] shape, Kind kind) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        public boolean norm() {
            return kind == Kind.NORM;
        }

        /** Its dtype in a model whose dense tensors are {@code dense}: GPTQ integers are I32, scales F16. */
        public DType dtype(DType dense) {
            return switch (kind) {
                case QWEIGHT, QZEROS, G_IDX -> DType.I32;
                case SCALES -> DType.F16;
                case DENSE, NORM -> dense;
            };
        }
    }

    private TensorLayout() {
    }

    public static List<Entry> of(ModelConfig c) {
        return of(c, null);
    }

    public static List<Entry> of(ModelConfig c, GptqConfig gptq) {
        long h = c.hiddenSize(), f = c.intermediateSize(), q = c.qDim(), kv = c.kvDim();
        var out = new ArrayList<Entry>();
        out.add(dense("model.embed_tokens.weight", c.vocabSize(), h));
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            out.add(new Entry(p + "input_layernorm.weight", new long[] {h}, Kind.NORM));
            linear(out, p + "self_attn.q_proj", h, q, gptq);
            linear(out, p + "self_attn.k_proj", h, kv, gptq);
            linear(out, p + "self_attn.v_proj", h, kv, gptq);
            if (c.attentionBias()) {
                out.add(dense(p + "self_attn.q_proj.bias", q));
                out.add(dense(p + "self_attn.k_proj.bias", kv));
                out.add(dense(p + "self_attn.v_proj.bias", kv));
            }
            if (c.qkNorm()) {
                out.add(new Entry(p + "self_attn.q_norm.weight", new long[] {c.headDim()}, Kind.NORM));
                out.add(new Entry(p + "self_attn.k_norm.weight", new long[] {c.headDim()}, Kind.NORM));
            }
            linear(out, p + "self_attn.o_proj", q, h, gptq);
            out.add(new Entry(p + "post_attention_layernorm.weight", new long[] {h}, Kind.NORM));
            if (c.moe() != null && c.moe().sparse(i)) {
                experts(out, c, p + "mlp.", gptq);
                continue;
            }
            linear(out, p + "mlp.gate_proj", h, f, gptq);
            linear(out, p + "mlp.up_proj", h, f, gptq);
            linear(out, p + "mlp.down_proj", f, h, gptq);
        }
        out.add(new Entry("model.norm.weight", new long[] {h}, Kind.NORM));
        if (!c.tieWordEmbeddings()) out.add(dense("lm_head.weight", c.vocabSize(), h));
        return out;
    }

    /**
     * A sparse layer's router, experts and (Qwen2-MoE) shared expert with its gate, as Qwen's checkpoints name them;
     * in a GPTQ checkpoint the experts packed, the router and the shared expert's gate dense (as Qwen's GPTQ
     * mixtures store them).
     */
    private static void experts(List<Entry> out, ModelConfig c, String mlp, GptqConfig gptq) {
        long h = c.hiddenSize(), e = c.moe().expertSize(), s = c.moe().sharedExpertSize();
        out.add(dense(mlp + "gate.weight", c.moe().numExperts(), h));
        for (int x = 0; x < c.moe().numExperts(); x++) {
            String p = mlp + "experts." + x + ".";
            linear(out, p + "gate_proj", h, e, gptq);
            linear(out, p + "up_proj", h, e, gptq);
            linear(out, p + "down_proj", e, h, gptq);
        }
        if (s == 0) return;
        linear(out, mlp + "shared_expert.gate_proj", h, s, gptq);
        linear(out, mlp + "shared_expert.up_proj", h, s, gptq);
        linear(out, mlp + "shared_expert.down_proj", s, h, gptq);
        out.add(dense(mlp + "shared_expert_gate.weight", 1, h));
    }

    private static Entry dense(String name, long... shape) {
        return new Entry(name, shape, Kind.DENSE);
    }

    /** A projection of {@code in} inputs to {@code out} outputs: [out, in] dense, or AutoGPTQ's four tensors. */
    private static void linear(List<Entry> out, String module, long in, long outputs, GptqConfig g) {
        if (g == null) {
            out.add(dense(module + ".weight", outputs, in));
            return;
        }
        long groups = g.groups((int) in);
        out.add(new Entry(module + ".qweight", new long[] {in / g.pack(), outputs}, Kind.QWEIGHT));
        out.add(new Entry(module + ".qzeros", new long[] {groups, outputs / g.pack()}, Kind.QZEROS));
        out.add(new Entry(module + ".scales", new long[] {groups, outputs}, Kind.SCALES));
        out.add(new Entry(module + ".g_idx", new long[] {in}, Kind.G_IDX));
    }
}
