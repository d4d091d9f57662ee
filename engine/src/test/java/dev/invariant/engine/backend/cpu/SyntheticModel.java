package dev.invariant.engine.backend.cpu;

import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.WeightMapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** A model of real shape with seeded random bf16 weights, built in memory (for benchmarks). */
public final class SyntheticModel {
    private SyntheticModel() {
    }

    /** The Qwen2.5-0.5B layout: hidden 896, 24 layers, 14 heads / 2 KV heads of 64, FFN 4864, tied vocab 151936. */
    public static ModelConfig qwen25Half() {
        return new ModelConfig(Architecture.QWEN2, 896, 4864, 24, 14, 2, 64, 151936, 32768, 1e6, 1e-6f,
                true, true, false, 151643, List.of(151643));
    }

    public static Model build(ModelConfig c, Arena arena, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        long h = c.hiddenSize();
        add(t, arena, rnd, "model.embed_tokens.weight", 0.02f, c.vocabSize(), h);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            add(t, arena, rnd, p + "input_layernorm.weight", -1f, h);
            add(t, arena, rnd, p + "self_attn.q_proj.weight", 0.03f, c.qDim(), h);
            add(t, arena, rnd, p + "self_attn.k_proj.weight", 0.03f, c.kvDim(), h);
            add(t, arena, rnd, p + "self_attn.v_proj.weight", 0.03f, c.kvDim(), h);
            if (c.attentionBias()) {
                add(t, arena, rnd, p + "self_attn.q_proj.bias", 0.1f, c.qDim());
                add(t, arena, rnd, p + "self_attn.k_proj.bias", 0.1f, c.kvDim());
                add(t, arena, rnd, p + "self_attn.v_proj.bias", 0.1f, c.kvDim());
            }
            if (c.qkNorm()) {
                add(t, arena, rnd, p + "self_attn.q_norm.weight", -1f, c.headDim());
                add(t, arena, rnd, p + "self_attn.k_norm.weight", -1f, c.headDim());
            }
            add(t, arena, rnd, p + "self_attn.o_proj.weight", 0.03f, h, c.qDim());
            add(t, arena, rnd, p + "post_attention_layernorm.weight", -1f, h);
            add(t, arena, rnd, p + "mlp.gate_proj.weight", 0.03f, c.intermediateSize(), h);
            add(t, arena, rnd, p + "mlp.up_proj.weight", 0.03f, c.intermediateSize(), h);
            add(t, arena, rnd, p + "mlp.down_proj.weight", 0.015f, h, c.intermediateSize());
        }
        add(t, arena, rnd, "model.norm.weight", -1f, h);
        if (!c.tieWordEmbeddings()) add(t, arena, rnd, "lm_head.weight", 0.02f, c.vocabSize(), h);
        return new Model("synthetic:qwen2.5-0.5b-shape", null, c, WeightMapping.map(c, t), "synthetic");
    }

    /** Uniform in [-scale, scale); a negative scale means "norm weight": 1 + small noise. */
    private static void add(Map<String, Tensor> t, Arena arena, SplittableRandom rnd, String name, float scale, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        MemorySegment seg = arena.allocate(n * 2, 64);
        for (long i = 0; i < n; i++) {
            float u = (float) rnd.nextDouble(-1, 1);
            float v = scale < 0 ? 1f + 0.1f * u : scale * u;
            seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToRawIntBits(v) >>> 16));
        }
        t.put(name, Tensor.of(name, DType.BF16, shape, seg));
    }
}
