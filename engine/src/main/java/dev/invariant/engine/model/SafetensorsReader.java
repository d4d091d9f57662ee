package dev.invariant.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Memory-maps the safetensors files of a model folder read-only and exposes their tensors without copying.
 * One mapping per file (no 2 GB split); the mappings live until {@link #close()}, after which every
 * tensor's memory is invalid.
 */
public final class SafetensorsReader implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A header larger than this is not a model header (the format's own reference reader uses 100 MB). */
    private static final long MAX_HEADER = 100L << 20;

    private final Arena arena;
    private final Map<String, Tensor> tensors;

    private SafetensorsReader(Arena arena, Map<String, Tensor> tensors) {
        this.arena = arena;
        this.tensors = Collections.unmodifiableMap(tensors);
    }

    /** Opens {@code model.safetensors}, or the shards named by {@code model.safetensors.index.json}. */
    public static SafetensorsReader openFolder(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "model folder " + folder + " does not exist");
        }
        Path single = folder.resolve("model.safetensors");
        Path index = folder.resolve("model.safetensors.index.json");
        TreeSet<String> files = new TreeSet<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        if (Files.isRegularFile(single)) {
            files.add("model.safetensors");
        } else if (Files.isRegularFile(index)) {
            readIndex(index, files, weightMap);
        } else {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "no model.safetensors or model.safetensors.index.json in "
                    + folder + ": the folder must hold Hugging Face safetensors weights");
        }
        Arena arena = Arena.ofShared();
        try {
            Map<String, Tensor> all = new LinkedHashMap<>();
            for (String f : files) {
                for (Tensor t : readFile(folder.resolve(f), arena).values()) {
                    if (all.putIfAbsent(t.name(), t) != null) {
                        throw new EngineException(ErrorCode.MODEL_FORMAT, f + ": tensor '" + t.name()
                                + "' also appears in another shard");
                    }
                }
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                if (!all.containsKey(e.getKey())) {
                    throw new EngineException(ErrorCode.MODEL_FORMAT, "model.safetensors.index.json names tensor '"
                            + e.getKey() + "' in " + e.getValue() + ", which does not hold it");
                }
            }
            return new SafetensorsReader(arena, all);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Every tensor by its stored name. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** Unmaps the files; tensors obtained from this reader must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    private static void readIndex(Path index, TreeSet<String> files, Map<String, String> weightMap) {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, index + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, index + ": 'weight_map' must be a non-empty object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String file = e.getValue().asText("");
            // Shard names are plain file names beside the index; anything else could escape the folder.
            if (!file.endsWith(".safetensors") || file.contains("/") || file.contains("\\") || file.startsWith(".")) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, index + ": tensor '" + e.getKey()
                        + "' maps to '" + file + "', which is not a .safetensors file in the folder");
            }
            files.add(file);
            weightMap.put(e.getKey(), file);
        }
        for (String f : files) {
            if (!Files.isRegularFile(index.resolveSibling(f))) {
                throw new EngineException(ErrorCode.MODEL_FORMAT, index + ": shard " + f
                        + " is missing; download every shard the index names");
            }
        }
    }

    /** Validates one file's header and maps its data region once; tensors are slices of that mapping. */
    static Map<String, Tensor> readFile(Path file, Arena arena) {
        String name = file.getFileName().toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(name, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || headerLen > size - 8) {
                throw bad(name, "header length " + headerLen + " is impossible for a file of " + size + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw bad(name, "header is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
            if (header == null || !header.isObject()) throw bad(name, "header is not a JSON object");
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, TensorEntry> entries = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) continue;
                entries.put(e.getKey(), TensorEntry.parse(name, e.getKey(), e.getValue(), dataLen));
            }
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, dataLen, arena);
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (TensorEntry te : entries.values()) {
                out.put(te.name(), Tensor.of(te.name(), te.dtype(), te.shape(),
                        data.asSlice(te.begin(), te.end() - te.begin())));
            }
            return out;
        } catch (IOException e) {
            throw new EngineException(ErrorCode.MODEL_FORMAT, name + ": cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    static EngineException bad(String file, String what) {
        return new EngineException(ErrorCode.MODEL_FORMAT, file + ": " + what
                + "; the file is not valid safetensors (re-download or re-export it)");
    }
}
