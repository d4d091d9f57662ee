package dev.invariant.engine.model.gptq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The AutoGPTQ packing rules on hand-packed words, and the checks that keep malformed checkpoints out. */
class GptqLayoutTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Tensor ints(String name, long[] shape, int... v) {
        MemorySegment s = Arena.ofAuto().allocate(v.length * 4L);
        for (int i = 0; i < v.length; i++) s.setAtIndex(I32, i, v[i]);
        return Tensor.of(name, DType.I32, shape, s);
    }

    private static Tensor halves(String name, long[] shape, float... v) {
        MemorySegment s = Arena.ofAuto().allocate(v.length * 2L);
        for (int i = 0; i < v.length; i++) s.setAtIndex(U16, i, Float.floatToFloat16(v[i]));
        return Tensor.of(name, DType.F16, shape, s);
    }

    @Test
    void packWordPutsTheFirstValueInTheLowestBits() {
        assertEquals(0x76543210, GptqLayout.packWord(4, 0, 1, 2, 3, 4, 5, 6, 7));
        assertEquals(0x04030201, GptqLayout.packWord(8, 1, 2, 3, 4));
        assertEquals(0xFF000080, GptqLayout.packWord(8, 0x80, 0, 0, 0xFF));
        assertEquals(0x77777777, GptqLayout.packWord(4, 7, 7, 7, 7, 7, 7, 7, 7), "AutoGPTQ's symmetric int4 zeros (8 - 1)");
    }

    /** int8, 8 inputs x 4 outputs, group 4, v1 zeros: every value written by hand. */
    @Test
    void unpacksInputsAlongQweightAndOutputsAlongQzeros() {
        GptqConfig c = new GptqConfig(8, 4, true, false, false);
        // qweight [8/4 = 2, 4]: word (i, n) holds inputs 4i .. 4i+3 of output n; q[k][n] = 10 * k + n
        int[] qw = new int[8];
        for (int i = 0; i < 2; i++) {
            for (int n = 0; n < 4; n++) qw[i * 4 + n] = GptqLayout.packWord(8, 40 * i + n, 40 * i + 10 + n, 40 * i + 20 + n, 40 * i + 30 + n);
        }
        // qzeros [2 groups, 4/4 = 1]: stored zero of group g, output n = 100 + 10 g + n (v1: z = stored + 1)
        int[] qz = {GptqLayout.packWord(8, 100, 101, 102, 103), GptqLayout.packWord(8, 110, 111, 112, 113)};
        float[] sc = {0.5f, 0.25f, 2f, 1f, 0.125f, 4f, 0.0625f, 3f};
        int[] gIdx = {1, 0, 0, 1, 1, 0, 1, 0};                        // act-order: a permuted assignment
        GptqLinear l = new GptqLinear("m", c, 8, 4, ints("m.qweight", new long[] {2, 4}, qw),
                ints("m.qzeros", new long[] {2, 1}, qz), halves("m.scales", new long[] {2, 4}, sc),
                ints("m.g_idx", new long[] {8}, gIdx));
        for (int k = 0; k < 8; k++) {
            for (int n = 0; n < 4; n++) {
                int g = gIdx[k];
                assertEquals(10 * k + n, GptqLayout.q(l, k, n));
                assertEquals(g, GptqLayout.group(l, k));
                assertEquals(100 + 10 * g + n + 1, GptqLayout.zero(l, g, n));
                assertEquals((float) (10 * k + n - (101 + 10 * g + n)) * sc[g * 4 + n], GptqLayout.weight(l, k, n));
            }
        }
        // gptq_v2 reads the same zeros as they are; without g_idx the group is k / group_size
        GptqLinear v2 = new GptqLinear("m", new GptqConfig(8, 4, false, false, true), 8, 4, l.qweight(), l.qzeros(),
                l.scales(), null);
        assertEquals(100, GptqLayout.zero(v2, 0, 0));
        assertEquals(1, GptqLayout.group(v2, 5));
    }

    @Test
    void int4NibblesAndTheWrappedV1Zero() {
        GptqConfig c = new GptqConfig(4, -1, false, false, false);
        int[] qw = new int[8];                                         // [8/8 = 1, 8]
        for (int n = 0; n < 8; n++) qw[n] = GptqLayout.packWord(4, 15, n, 0, 1, 2, 3, 4, 5);
        // stored 15 in v1 means z = 16, outside 0..15: AutoGPTQ (and vLLM's kernels) add 1 after unpacking, unmasked
        int[] qz = {GptqLayout.packWord(4, 15, 0, 1, 2, 3, 4, 5, 6)};
        float[] sc = new float[8];
        java.util.Arrays.fill(sc, 0.5f);
        GptqLinear l = new GptqLinear("m", c, 8, 8, ints("m.qweight", new long[] {1, 8}, qw),
                ints("m.qzeros", new long[] {1, 1}, qz), halves("m.scales", new long[] {1, 8}, sc), null);
        assertEquals(16, GptqLayout.zero(l, 0, 0));
        assertEquals(1, GptqLayout.zero(l, 0, 1));
        assertEquals((15 - 16) * 0.5f, GptqLayout.weight(l, 0, 0));
        assertEquals(3, GptqLayout.q(l, 1, 3));
        assertEquals(0, GptqLayout.group(l, 7), "group_size -1: one group");
    }

    @Test
    void malformedTensorsAreRefusedWithTheirNames() {
        GptqConfig c = new GptqConfig(8, 4, false, true, false);
        Tensor qw = ints("m.qweight", new long[] {2, 4}, new int[8]);
        Tensor qz = ints("m.qzeros", new long[] {2, 1}, new int[2]);
        Tensor sc = halves("m.scales", new long[] {2, 4}, new float[8]);
        EngineException e = assertThrows(EngineException.class, () -> new GptqLinear("m", c, 8, 4,
                ints("m.qweight", new long[] {4, 2}, new int[8]), qz, sc, null));
        assertEquals(ErrorCode.MODEL_FORMAT, e.code());
        assertTrue(e.getMessage().contains("m.qweight") && e.getMessage().contains("[2, 4]"), e.getMessage());
        e = assertThrows(EngineException.class, () -> new GptqLinear("m", c, 8, 4, qw, qz, null, null));
        assertTrue(e.getMessage().contains("m.scales"), e.getMessage());
        assertEquals(ErrorCode.MODEL_FORMAT, assertThrows(EngineException.class, () -> dev.invariant.engine.numerics
                .GptqMatrix.of(new GptqLinear("m", c, 8, 4, qw, qz, sc, ints("m.g_idx", new long[] {8}, 0, 0, 0, 0, 1, 1, 1, 7)), Arena.ofAuto()))
                .code());
    }

    @Test
    void quantizeConfigIsReadAndUnsupportedSettingsAreNamed() throws Exception {
        ObjectMapper json = new ObjectMapper();
        GptqConfig c = GptqConfig.fromJson(json.readTree(
                "{\"bits\": 8, \"group_size\": 128, \"desc_act\": false, \"sym\": true, \"damp_percent\": 0.01}"), "q");
        assertEquals(new GptqConfig(8, 128, false, true, false), c);
        assertEquals("gptq int8 g128 sym", c.describe());
        EngineException e = assertThrows(EngineException.class, () -> GptqConfig.fromJson(json.readTree(
                "{\"bits\": 3, \"group_size\": 128}"), "quantize_config.json"));
        assertTrue(e.getMessage().contains("quantize_config.json") && e.getMessage().contains("bits = 3"), e.getMessage());
        e = assertThrows(EngineException.class, () -> GptqConfig.fromJson(json.readTree(
                "{\"quant_method\": \"awq\", \"bits\": 4}"), "config.json"));
        assertTrue(e.getMessage().contains("awq"), e.getMessage());
    }
}
