package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.invariant.engine.model.synthetic.SyntheticModel;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class WeightsDigestTest {

    private static Tensor t(String name, DType dtype, long[] shape, byte[] bytes) {
        return Tensor.of(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    private static Map<String, Tensor> map(Tensor... ts) {
        var m = new LinkedHashMap<String, Tensor>();
        for (Tensor x : ts) m.put(x.name(), x);
        return m;
    }

    /** The encoding of docs/weights-digest.md, written out independently with a byte stream. */
    private static String byTheDocument(Map<String, Tensor> tensors) throws Exception {
        var out = new ByteArrayOutputStream();
        ByteBuffer b8 = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer b4 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        java.util.function.Consumer<String> str = s -> {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(b4.clear().putInt(u.length).array());
            out.writeBytes(u);
        };
        str.accept("invariant-weights-v1");
        out.writeBytes(b8.clear().putLong(tensors.size()).array());
        for (Tensor x : new TreeMap<>(tensors).values()) { // ASCII names: String order = UTF-8 byte order
            str.accept(x.name());
            str.accept(x.dtype().name());
            out.writeBytes(b4.clear().putInt(x.rank()).array());
            for (long d : x.shape()) out.writeBytes(b8.clear().putLong(d).array());
            out.writeBytes(b8.clear().putLong(x.byteSize()).array());
            out.writeBytes(x.data().toArray(ValueLayout.JAVA_BYTE));
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(out.toByteArray()));
    }

    @Test
    void followsTheDocumentedEncoding() throws Exception {
        SyntheticModel m = SyntheticModel.create("synthetic:tiny-qwen3");
        String streamed = WeightsDigest.compute(m.tensors(), m.source(), ProgressListener.NONE, "t");
        assertEquals(byTheDocument(m.tensors()), streamed);
        assertEquals(streamed, WeightsDigest.compute(m.tensors()));
        assertEquals(streamed, WeightsDigest.compute(SyntheticModel.create("synthetic:tiny-qwen3").tensors()));
    }

    @Test
    void everyPartOfATensorCounts() {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8};
        String base = WeightsDigest.compute(map(t("a", DType.F32, new long[] {2}, bytes), t("b", DType.BF16, new long[] {1}, new byte[] {9, 9})));
        String reordered = WeightsDigest.compute(map(t("b", DType.BF16, new long[] {1}, new byte[] {9, 9}), t("a", DType.F32, new long[] {2}, bytes)));
        assertEquals(base, reordered, "map order does not matter");
        byte[] flipped = bytes.clone();
        flipped[7] ^= 1;
        var b = t("b", DType.BF16, new long[] {1}, new byte[] {9, 9});
        assertNotEquals(base, WeightsDigest.compute(map(t("a", DType.F32, new long[] {2}, flipped), b)), "one bit");
        assertNotEquals(base, WeightsDigest.compute(map(t("a", DType.F32, new long[] {1, 2}, bytes), b)), "shape");
        assertNotEquals(base, WeightsDigest.compute(map(t("a", DType.BF16, new long[] {4}, bytes), b)), "dtype");
        assertNotEquals(base, WeightsDigest.compute(map(t("c", DType.F32, new long[] {2}, bytes), b)), "name");
        assertNotEquals(base, WeightsDigest.compute(map(t("a", DType.F32, new long[] {2}, bytes))), "a tensor less");
    }

    @Test
    void dtypeVariantsOfOnePresetDiffer() {
        assertNotEquals(WeightsDigest.compute(SyntheticModel.create("synthetic:tiny@f32").tensors()),
                WeightsDigest.compute(SyntheticModel.create("synthetic:tiny@bf16").tensors()));
    }
}
