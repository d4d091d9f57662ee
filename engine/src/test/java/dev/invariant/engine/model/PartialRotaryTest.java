package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.numerics.RopeTable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Phi-4-mini's partial RoPE and GLM-4's interleaved one by the engine's whole-head rotation: q's rows reordered
 * (PartialRotary) and rotated with the model's table give, element for element and bit for bit, transformers' rotation
 * of the first r dims (Phi-3: rotate-half within them, pairs i and i + r/2; GLM: pairs 2i and 2i + 1; the factor on cos
 * and sin) with the rest passed through, in the reordered positions. Transformers' side is written out here from
 * modeling_phi3's and modeling_glm's apply_rotary_pos_emb.
 */
class PartialRotaryTest {
    private static final int D = 16;
    private static final int HEADS = 3;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void reorderedAndRotatedIsTransformersRotationReordered(boolean interleaved) {
        RopeScaling scaling = RopeScaling.longrope(List.of(1.0, 1.2, 1.9, 2.6, 3.3, 4.1), 1.1, 512)
                .withRotation(0.75, interleaved);
        int r = scaling.rotaryDim(D);
        assertEquals(12, r);
        ModelConfig c = new ModelConfig(Architecture.LLAMA, 64, 172, 1, HEADS, HEADS, D, 512, 512, 10000, 1e-5f,
                false, false, false, 1, List.of(2), scaling, SlidingWindow.NONE);
        float[] q = new float[HEADS * D];
        Random random = new Random(7);
        for (int i = 0; i < q.length; i++) q[i] = (float) random.nextGaussian();
        String name = "model.layers.0.self_attn.q_proj.bias";
        Map<String, Tensor> arranged = PartialRotary.arrange(c, Map.of(name,
                Tensor.of(name, DType.F32, new long[] {q.length}, MemorySegment.ofArray(q.clone()))));
        float[] engine = arranged.get(name).data().toArray(ValueLayout.JAVA_FLOAT);
        RopeTable table = RopeTable.of(c);
        int pos = 37;
        table.ensure(pos + 1);
        for (int h = 0; h < HEADS; h++) table.rotate(engine, h * D, pos);

        float[] hf = new float[q.length];
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < r / 2; i++) {
                double invFreq = 1.0 / (scaling.shortFactors().get(i) * StrictMath.pow(10000, 2.0 * i / r));
                float cos = (float) (StrictMath.cos(pos * invFreq) * 1.1);
                float sin = (float) (StrictMath.sin(pos * invFreq) * 1.1);
                int ia = interleaved ? 2 * i : i;
                int ib = interleaved ? 2 * i + 1 : i + r / 2;
                float a = q[h * D + ia];
                float b = q[h * D + ib];
                hf[h * D + ia] = a * cos + (-b) * sin;          // q_rot * cos + rotate_half(q_rot) * sin
                hf[h * D + ib] = b * cos + a * sin;
            }
            System.arraycopy(q, h * D + r, hf, h * D + r, D - r); // q_pass
        }
        // the engine's position of each of transformers' dims within a head
        int[] at = new int[D];
        for (int i = 0; i < r / 2; i++) {
            at[interleaved ? 2 * i : i] = i;
            at[interleaved ? 2 * i + 1 : i + r / 2] = i + D / 2;
        }
        for (int j = 0; j < (D - r) / 2; j++) {
            at[r + j] = r / 2 + j;
            at[r + (D - r) / 2 + j] = D / 2 + r / 2 + j;
        }
        float[] expected = new float[q.length];
        for (int h = 0; h < HEADS; h++) {
            for (int i = 0; i < D; i++) expected[h * D + at[i]] = hf[h * D + i];
        }
        assertArrayEquals(bits(expected), bits(engine));
    }

    @Test
    void wholeHeadsAndQuantisedProjectionsAreLeftOrRefused() {
        ModelConfig whole = new ModelConfig(Architecture.LLAMA, 64, 172, 1, HEADS, HEADS, D, 512, 512, 10000, 1e-5f,
                false, false, false, 1, List.of(2));
        Map<String, Tensor> none = Map.of();
        assertEquals(none, PartialRotary.arrange(whole, none));
        ModelConfig partial = new ModelConfig(Architecture.LLAMA, 64, 172, 1, HEADS, HEADS, D, 512, 512, 10000, 1e-5f,
                false, false, false, 1, List.of(2), RopeScaling.NONE.withRotation(0.5, false), SlidingWindow.NONE);
        String name = "model.layers.0.self_attn.k_proj.qweight";
        assertThrows(EngineException.class, () -> PartialRotary.arrange(partial, Map.of(name,
                Tensor.of(name, DType.I32, new long[] {1}, MemorySegment.ofArray(new int[1])))));
    }

    private static int[] bits(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
        return out;
    }
}
