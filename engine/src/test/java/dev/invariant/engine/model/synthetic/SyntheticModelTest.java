package dev.invariant.engine.model.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.ModelWeights;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.WeightMapping;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SyntheticModelTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static byte[] bytes(Tensor t) {
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] streamed(SyntheticModel m, Tensor t) {
        var out = new ByteArrayOutputStream();
        m.source().feed(t, piece -> out.writeBytes(piece.toArray(ValueLayout.JAVA_BYTE)));
        return out.toByteArray();
    }

    @Test
    void sameBytesEveryTimeAndEveryWay() {
        for (String spec : new String[] {"synthetic:tiny", "synthetic:tiny-qwen3@f32", "tiny-qwen2@f16"}) {
            SyntheticModel a = SyntheticModel.create(spec), b = SyntheticModel.create(spec);
            for (Tensor t : a.tensors().values()) {
                byte[] first = bytes(t);
                assertArrayEquals(first, bytes(b.tensors().get(t.name())), t.name());
                assertArrayEquals(first, streamed(b, b.tensors().get(t.name())), t.name() + " streamed");
            }
        }
    }

    /** A tensor of many parallel blocks and several streamed pieces: both paths give the same bytes. */
    @Test
    void streamedAndMaterialisedAgreeOnALargeTensor() {
        SyntheticModel m = SyntheticModel.create("synthetic:smollm2-135m");
        Tensor embed = m.tensors().get("model.embed_tokens.weight");
        assertTrue(embed.byteSize() > 3 * dev.invariant.engine.model.TensorSource.PIECE_BYTES);
        var one = java.util.Map.of(embed.name(), embed);
        assertEquals(dev.invariant.engine.model.WeightsDigest.compute(one),
                dev.invariant.engine.model.WeightsDigest.compute(one, m.source(),
                        dev.invariant.engine.model.ProgressListener.NONE, "t"));
    }

    @Test
    void anySliceCanBeGeneratedOnItsOwn() {
        SyntheticModel m = SyntheticModel.create("synthetic:tiny@f32");
        Tensor t = m.tensors().get("model.embed_tokens.weight");
        long seed = WeightGenerator.seed("tiny", t.name());
        MemorySegment slice = MemorySegment.ofArray(new float[1000]);
        WeightGenerator.fill(seed, false, DType.F32, 12_345, 1000, slice);
        for (int i = 0; i < 1000; i++) {
            assertEquals(Float.floatToRawIntBits(t.data().getAtIndex(F32, 12_345 + i)),
                    Float.floatToRawIntBits(slice.getAtIndex(ValueLayout.JAVA_FLOAT, i)));
        }
    }

    @Test
    void namesAndPresetsGiveDifferentWeights() {
        SyntheticModel m = SyntheticModel.create("synthetic:tiny");
        byte[] q = bytes(m.tensors().get("model.layers.0.self_attn.q_proj.weight"));
        byte[] o = bytes(m.tensors().get("model.layers.0.self_attn.o_proj.weight"));
        byte[] q1 = bytes(m.tensors().get("model.layers.1.self_attn.q_proj.weight"));
        byte[] other = bytes(SyntheticModel.create("synthetic:tiny-qwen2").tensors()
                .get("model.layers.0.self_attn.q_proj.weight"));
        assertEquals(q.length, o.length);
        assertNotEquals(java.util.Arrays.hashCode(q), java.util.Arrays.hashCode(o));
        assertTrue(!java.util.Arrays.equals(q, o) && !java.util.Arrays.equals(q, q1) && !java.util.Arrays.equals(q, other));
    }

    /** The documented definition, re-implemented with BigInteger arithmetic modulo 2^64. */
    @Test
    void valuesFollowTheDocumentedDefinition() {
        var mod = java.math.BigInteger.ONE.shiftLeft(64);
        long seed = WeightGenerator.seed("qwen2.5-0.5b", "lm_head.weight");
        for (long i : new long[] {0, 1, 2, 999_999, 1L << 40}) {
            var z = java.math.BigInteger.valueOf(seed).add(java.math.BigInteger.valueOf(i + 1)
                    .multiply(new java.math.BigInteger("9E3779B97F4A7C15", 16))).mod(mod);
            z = z.xor(z.shiftRight(30)).multiply(new java.math.BigInteger("BF58476D1CE4E5B9", 16)).mod(mod);
            z = z.xor(z.shiftRight(27)).multiply(new java.math.BigInteger("94D049BB133111EB", 16)).mod(mod);
            z = z.xor(z.shiftRight(31));
            long sum = 0;
            for (int k = 0; k < 4; k++) sum += z.shiftRight(16 * k).and(java.math.BigInteger.valueOf(0xFFFF)).longValue();
            float expected = (float) (sum - 131070) * (float) (0.02 * Math.sqrt(3.0) / 65536.0);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(WeightGenerator.value(seed, i)));
        }
    }

    @Test
    void bf16IsTheRoundedF32AndNormsAreOne() {
        SyntheticModel f = SyntheticModel.create("synthetic:tiny@f32"), b = SyntheticModel.create("synthetic:tiny@bf16");
        Tensor tf = f.tensors().get("model.layers.1.mlp.down_proj.weight");
        Tensor tb = b.tensors().get("model.layers.1.mlp.down_proj.weight");
        double sum = 0, sq = 0;
        long n = tf.elementCount();
        for (long i = 0; i < n; i++) {
            float v = tf.data().getAtIndex(F32, i);
            int bits = Float.floatToRawIntBits(v);
            // round to nearest even, by hand: the lower half decides, ties go to the even upper half
            int upper = bits >>> 16, lower = bits & 0xFFFF;
            int rounded = lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1) ? upper + 1 : upper;
            assertEquals((short) rounded, tb.data().getAtIndex(I16, i), "element " + i);
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / n, std = Math.sqrt(sq / n - mean * mean);
        assertTrue(Math.abs(mean) < 0.002, "mean " + mean);
        assertTrue(Math.abs(std - WeightGenerator.STD) < 0.002, "std " + std);
        Tensor norm = b.tensors().get("model.layers.0.input_layernorm.weight");
        for (long i = 0; i < norm.elementCount(); i++) assertEquals((short) 0x3F80, norm.data().getAtIndex(I16, i));
    }

    @Test
    void everyPresetMapsToItsConfig() {
        for (SyntheticPreset p : SyntheticPreset.all()) {
            SyntheticModel m = SyntheticModel.create("synthetic:" + p.name());
            ModelWeights w = WeightMapping.map(m.config(), m.tensors(), p.gptq());
            assertEquals(p.gptq(), w.quantization(), p.name());
            assertEquals(p.config().numLayers(), w.layers().size(), p.name());
            assertEquals(p.config().tieWordEmbeddings(), w.lmHead() == w.embedTokens(), p.name());
        }
    }

    @Test
    void unknownPresetOrDtypeSaysWhatIsAccepted() {
        var e = assertThrows(EngineException.class, () -> SyntheticModel.create("synthetic:gpt5"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, e.code());
        assertTrue(e.getMessage().contains("qwen2.5-0.5b") && e.getMessage().contains("gpt5"), e.getMessage());
        var d = assertThrows(EngineException.class, () -> SyntheticModel.create("synthetic:tiny@int3"));
        assertEquals(ErrorCode.UNKNOWN_MODEL, d.code());
        assertTrue(d.getMessage().contains("@f32"), d.getMessage());
    }
}
