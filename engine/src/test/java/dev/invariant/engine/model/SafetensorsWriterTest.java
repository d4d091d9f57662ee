package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    private static Tensor random(String name, DType dtype, long[] shape, Random rnd) {
        long n = 1;
        for (long d : shape) n *= d;
        byte[] b = new byte[(int) (n * dtype.bytes())];
        rnd.nextBytes(b);
        return Tensor.of(name, dtype, shape, MemorySegment.ofArray(b));
    }

    @Test
    void roundTripThroughTheReader(@TempDir Path dir) throws IOException {
        Random rnd = new Random(7);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("z.last", random("z.last", DType.F32, new long[] {3, 5}, rnd));
        in.put("a.first", random("a.first", DType.BF16, new long[] {7}, rnd));
        in.put("m.mid", random("m.mid", DType.F16, new long[] {2, 3, 4}, rnd));
        in.put("odd", random("odd", DType.BF16, new long[] {1, 1}, rnd));
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, in);

        long headerLen = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLen % 8, "header is padded to 8 bytes");
        assertTrue(Files.list(dir).allMatch(p -> p.equals(file)), "no temporary file is left behind");
        try (SafetensorsReader r = SafetensorsReader.openFolder(dir)) {
            assertEquals(in.keySet(), r.tensors().keySet());
            for (Tensor t : in.values()) {
                Tensor back = r.tensors().get(t.name());
                assertEquals(t.dtype(), back.dtype(), t.name());
                assertArrayEquals(t.shape(), back.shape(), t.name());
                assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE), back.data().toArray(ValueLayout.JAVA_BYTE), t.name());
            }
        }
    }

    @Test
    void rewritingARealModelKeepsItsWeights(@TempDir Path dir) throws IOException {
        Path src = TestAssets.model("stories260K");
        try (SafetensorsReader r = SafetensorsReader.openFolder(src)) {
            SafetensorsWriter.write(dir.resolve("model.safetensors"), r.tensors());
            Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
            try (SafetensorsReader back = SafetensorsReader.openFolder(dir)) {
                assertEquals(WeightsDigest.compute(r.tensors()), WeightsDigest.compute(back.tensors()));
                ModelWeights w = WeightMapping.map(HfConfig.read(dir), back.tensors());
                assertArrayEquals(r.tensors().get("model.norm.weight").data().toArray(ValueLayout.JAVA_BYTE),
                        w.norm().data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
