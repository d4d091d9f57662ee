package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes tensors as a safetensors file: an 8-byte little-endian header length, a JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}) padded with spaces
 * to a multiple of 8 bytes, then the tensors' bytes back to back in name order. The file appears
 * atomically (written beside it, then renamed), so a reader never sees half a file.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /** Writes {@code tensors} (materialising them as needed) to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of(), TensorSource.MATERIALISED, ProgressListener.NONE);
    }

    /**
     * Writes {@code tensors} to {@code file}, reading their bytes through {@code source}.
     * Progress is reported in bytes of tensor data.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
                             TensorSource source, ProgressListener progress) {
        var sorted = new TreeMap<>(tensors);
        byte[] header = header(sorted, metadata);
        long total = sorted.values().stream().mapToLong(Tensor::byteSize).sum();
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            long[] done = {0};
            String task = "write " + file.getFileName();
            for (Tensor t : sorted.values()) {
                long start = done[0];
                source.feed(t, piece -> {
                    writeFully(ch, piece.asByteBuffer());
                    done[0] += piece.byteSize();
                    progress.progress(task, done[0], total);
                });
                if (done[0] - start != t.byteSize()) {
                    throw new IllegalStateException(t.name() + ": source gave " + (done[0] - start)
                            + " bytes, expected " + t.byteSize());
                }
            }
            ch.force(false);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);
            throw new EngineException(ErrorCode.INTERNAL, "cannot write " + file + ": " + e.getMessage()
                    + "; check that the folder is writable and the disk has room", e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new EngineException(ErrorCode.INTERNAL, "cannot rename " + tmp + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON header for tensors in name order, space-padded to a multiple of 8 bytes. */
    public static byte[] header(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : new TreeMap<>(tensors).values()) {
            if (t.name().equals("__metadata__")) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "a tensor cannot be named __metadata__");
            }
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            e.putArray("data_offsets").add(offset).add(offset + t.byteSize());
            offset += t.byteSize();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) out[i] = ' ';
        return out;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) {
        try {
            while (buf.hasRemaining()) ch.write(buf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the original failure is the one worth reporting
        }
    }
}
