package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.model.Architecture;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.Moe;
import dev.invariant.engine.model.WeightMapping;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import dev.invariant.engine.model.synthetic.SyntheticPreset;
import java.util.List;

/**
 * GPTQ checkpoints for the CUDA tests beyond the named tiny presets (whose 128/256 inputs never fill a whole 16-byte
 * load of int4): hidden 1024 and FFN 2816, so every projection has whole loads, a rest and (int8 FFN) several groups
 * per load, with the settings no named preset has (v2 zero points, int4 act-order, int8 one group, and groups of 32
 * and 64 in input order, which kernels/gptq_stream.cu reads through its general group path).
 */
final class GptqModels {
    private GptqModels() {
    }

    static final ModelConfig WIDE = new ModelConfig(Architecture.QWEN2, 1024, 2816, 2, 8, 2, 128, 1000, 4096, 1e6,
            1e-6f, false, true, false, 0, List.of(1));

    /** Settings (bits, group size, desc_act, sym, v2), each a model named by {@link #name}. */
    static final List<GptqConfig> SETTINGS = List.of(new GptqConfig(8, 128, false, false, true),
            new GptqConfig(4, 32, true, false, true), new GptqConfig(4, 128, false, true, false),
            new GptqConfig(8, -1, false, true, false), new GptqConfig(8, 64, true, true, false),
            new GptqConfig(4, 64, false, false, false), new GptqConfig(8, 32, false, true, false));

    /**
     * Mixtures whose experts' rows have what the tiny mixtures' lack (kernels/gptq_matvec.cu's gptq_experts_* and
     * gptq_grouped_*): int4 group 128 (Qwen2-MoE, a shared expert): gate|up of whole loads, down's 1,400 inputs a
     * load, an odd rest of 11 chunks and a tail of 24; int8 group 32 asymmetric (Qwen3-MoE): gate|up's 1,056 inputs
     * two loads and a rest, 33 groups staged; down's 2,080 inputs 65 groups, more than the staged tables hold.
     */
    static Model wideMixture(int bits) {
        ModelConfig c = bits == 4
                ? WIDE.withMoe(new Moe(8, 2, 1400, false, 1400, List.of(true, true)))
                : new ModelConfig(Architecture.QWEN3, 1056, 2816, 2, 8, 2, 128, 1000, 4096, 1e6, 1e-6f, false, false,
                        true, 0, List.of(1)).withMoe(new Moe(8, 2, 2080, true, 0, List.of(true, true)));
        GptqConfig q = bits == 4 ? new GptqConfig(4, 128, false, true, false) : new GptqConfig(8, 32, false, false, false);
        String name = "wide-mixture-" + q.describe().replace(' ', '-');
        SyntheticModel m = SyntheticModel.of(new SyntheticPreset(name, name, c, q));
        return new Model(name, null, m.config(), WeightMapping.map(m.config(), m.tensors(), q), "not-computed");
    }

    static String name(GptqConfig q) {
        return "wide-" + q.describe().replace(' ', '-');
    }

    static java.util.stream.Stream<String> names() {
        return SETTINGS.stream().map(GptqModels::name);
    }

    static GptqConfig named(String name) {
        return SETTINGS.stream().filter(q -> name(q).equals(name)).findFirst().orElseThrow();
    }

    static Model wide(GptqConfig q) {
        SyntheticModel m = SyntheticModel.of(new SyntheticPreset(name(q), name(q), WIDE, q));
        return new Model(name(q), null, m.config(), WeightMapping.map(m.config(), m.tensors(), q), "not-computed");
    }
}
