package dev.invariant.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-written safetensors files: valid ones load, each kind of corruption is named in the error. */
class SafetensorsValidationTest {

    /** Writes a file with the given header JSON followed by {@code dataBytes} bytes 0, 1, 2, ... */
    static void write(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) b.put((byte) i);
        Files.write(file, b.array());
    }

    @Test
    void loadsAValidFile(@TempDir Path dir) throws IOException {
        write(dir.resolve("model.safetensors"),
                "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]},\"__metadata__\":{}}", 16);
        try (SafetensorsReader r = SafetensorsReader.openFolder(dir)) {
            assertEquals(2, r.tensors().size());
            Tensor b = r.tensors().get("b");
            assertEquals(DType.F32, b.dtype());
            assertEquals(12, b.data().get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void loadsShardsThroughTheIndex(@TempDir Path dir) throws IOException {
        write(dir.resolve("model-00001-of-00002.safetensors"),
                "{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4);
        write(dir.resolve("model-00002-of-00002.safetensors"),
                "{\"y\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4);
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\":{},\"weight_map\":{"
                + "\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}");
        try (SafetensorsReader r = SafetensorsReader.openFolder(dir)) {
            assertEquals(DType.F16, r.tensors().get("x").dtype());
            assertEquals(4, r.tensors().get("y").byteSize());
        }
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertBad(dir, "model-00002-of-00002.safetensors");
    }

    @Test
    void rejectsCorruptHeaders(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("model.safetensors");
        write(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4);
        assertBad(dir, "outside the data region");
        write(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertBad(dir, "needs 12");
        write(f, "{\"a\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8);
        assertBad(dir, "dtype");
        write(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],", 8);
        assertBad(dir, "JSON");
        write(f, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
        assertBad(dir, "shape");
        Files.write(f, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 2});
        assertBad(dir, "header length");
        Files.write(f, new byte[] {1, 2, 3});
        assertBad(dir, "shorter");
    }

    private static void assertBad(Path dir, String mentions) {
        EngineException e = assertThrows(EngineException.class, () -> SafetensorsReader.openFolder(dir).close());
        assertEquals(ErrorCode.MODEL_FORMAT, e.code());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
