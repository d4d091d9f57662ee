package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.backend.StepScript;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.LayerWeights;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.MoeWeights;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.WeightMapping;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.model.gptq.GptqLayout;
import dev.invariant.engine.model.gptq.GptqLinear;
import dev.invariant.engine.model.synthetic.SyntheticModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GPTQ checkpoints of a mixture of experts (Qwen1.5-MoE-A2.7B-Chat-GPTQ-Int4's form: the experts and the shared
 * expert packed, the router and the shared expert's gate dense): each expert is read packed, and the logits are, bit
 * for bit, those of the same checkpoint with every packed projection written out dense as its dequantised values
 * (docs/numerics.md §14, read here by {@link GptqLayout}) and loaded through the dense mapping.
 */
class GptqMixtureTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] PROMPT = {1, 17, 300, 42, 5, 99, 250, 7, 64, 128, 3, 400};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2-moe-gptq-int4", "tiny-qwen3-moe-gptq-int8"})
    void packedExpertsGiveTheDequantisedCheckpointsBits(String preset) {
        SyntheticModel m = SyntheticModel.create(preset);
        ModelConfig c = m.config();
        GptqConfig q = m.preset().gptq();
        ModelWeights packed = WeightMapping.map(c, m.tensors(), q);
        int sparse = 0;
        for (LayerWeights l : packed.layers()) {
            if (l.moe() == null) continue;
            sparse++;
            for (MoeWeights.Expert e : l.moe().experts()) {
                assertNotNull(e.gptq(), "every expert read packed");
                assertNull(e.gate());
            }
            if (l.moe().shared() != null) assertNotNull(l.moe().shared().gptq(), "the shared expert read packed");
            assertNotNull(l.moe().router(), "the router read dense");
        }
        assertTrue(sparse > 0, preset + " has sparse layers");
        ModelWeights dense = WeightMapping.map(c, dequantised(m.tensors(), q));
        assertTrue(packedBytes(packed) < packedBytes(dense), "the packed checkpoint is the smaller one");

        for (int threads : new int[] {1, 3}) {
            List<float[]> a = run(new Model(preset, null, c, packed, "not-computed"), threads);
            List<float[]> b = run(new Model(preset + "-dense", null, c, dense, "not-computed"), threads);
            assertEquals(a.size(), b.size());
            for (int s = 0; s < a.size(); s++) {
                assertArrayEquals(bits(b.get(s)), bits(a.get(s)), preset + ": step " + s + ", " + threads + " threads");
            }
        }
    }

    private static List<float[]> run(Model model, int threads) {
        try (CpuBackend be = new CpuBackend(model, new CpuBackendConfig(threads, 16, 8, NumericsProfile.PORTABLE))) {
            // the prompt as one prefill (many tokens per expert), then decode steps (one)
            return Greedy.run(be, 0, PROMPT, 6, StepScript.blocks(0, 2), new ArrayList<>());
        }
    }

    /** The tensors with every packed projection (module.qweight, qzeros, scales, g_idx) replaced by module.weight. */
    private static Map<String, Tensor> dequantised(Map<String, Tensor> stored, GptqConfig q) {
        Map<String, Tensor> out = new HashMap<>(stored);
        Arena arena = Arena.ofAuto();
        for (Map.Entry<String, Tensor> e : stored.entrySet()) {
            if (!e.getKey().endsWith(".qweight")) continue;
            String module = e.getKey().substring(0, e.getKey().length() - ".qweight".length());
            long[] shape = e.getValue().shape();
            int in = (int) shape[0] * q.pack(), outs = (int) shape[1];
            GptqLinear l = new GptqLinear(module, q, in, outs, e.getValue(), stored.get(module + ".qzeros"),
                    stored.get(module + ".scales"), stored.get(module + ".g_idx"));
            MemorySegment w = arena.allocate(4L * in * outs);
            for (int n = 0; n < outs; n++) {
                for (int k = 0; k < in; k++) w.setAtIndex(F32, (long) n * in + k, GptqLayout.weight(l, k, n));
            }
            for (String part : new String[] {".qweight", ".qzeros", ".scales", ".g_idx"}) out.remove(module + part);
            out.put(module + ".weight", Tensor.of(module + ".weight", DType.F32, new long[] {outs, in}, w));
        }
        return out;
    }

    private static long packedBytes(ModelWeights w) {
        return w.layers().stream().mapToLong(LayerWeights::byteSize).sum();
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }
}
