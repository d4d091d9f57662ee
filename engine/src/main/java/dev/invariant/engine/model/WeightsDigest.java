package dev.invariant.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * The weights digest: hex SHA-256 over a canonical encoding of a model's stored tensors, independent of
 * file layout (one file or shards, tensor order, header padding, metadata). docs/weights-digest.md
 * defines it; in short, all integers little-endian:
 * <pre>
 *   str(FORMAT)  u64 tensorCount
 *   per tensor, sorted by the unsigned bytes of its UTF-8 name:
 *     str(name)  str(dtype: "F32" | "BF16" | "F16")  u32 rank  u64 dim × rank  u64 byteLength  bytes
 *   str(s) = u32 byte length of UTF-8 s, then those bytes
 * </pre>
 * {@link DigestCache} keeps the result beside the model so that start-up does not re-hash gigabytes.
 */
public final class WeightsDigest {
    /** Names the encoding; a new encoding gets a new name (and so never matches an old cache entry). */
    public static final String FORMAT = "invariant-weights-v1";

    private WeightsDigest() {
    }

    /** Digests {@code tensors}, reading their bytes through {@code source}; progress in bytes. */
    public static String compute(Map<String, Tensor> tensors, TensorSource source, ProgressListener progress, String task) {
        MessageDigest md = sha256();
        var named = new ArrayList<byte[]>();
        var byName = new java.util.HashMap<String, Tensor>();
        for (Tensor t : tensors.values()) {
            named.add(t.name().getBytes(StandardCharsets.UTF_8));
            byName.put(t.name(), t);
        }
        named.sort(Arrays::compareUnsigned);
        long total = tensors.values().stream().mapToLong(Tensor::byteSize).sum();
        long[] done = {0};
        putString(md, FORMAT);
        putLong(md, named.size());
        for (byte[] nameBytes : named) {
            Tensor t = byName.get(new String(nameBytes, StandardCharsets.UTF_8));
            putInt(md, nameBytes.length);
            md.update(nameBytes);
            putString(md, t.dtype().name());
            putInt(md, t.rank());
            for (long d : t.shape()) putLong(md, d);
            putLong(md, t.byteSize());
            long start = done[0];
            source.feed(t, piece -> {
                md.update(piece.asByteBuffer());
                done[0] += piece.byteSize();
                progress.progress(task, done[0], total);
            });
            if (done[0] - start != t.byteSize()) {
                throw new IllegalStateException(t.name() + ": source gave " + (done[0] - start)
                        + " bytes, expected " + t.byteSize());
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Digests tensors from their own bytes. */
    public static String compute(Map<String, Tensor> tensors) {
        return compute(tensors, TensorSource.MATERIALISED, ProgressListener.NONE, "digest");
    }

    private static void putString(MessageDigest md, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putInt(md, b.length);
        md.update(b);
    }

    private static void putInt(MessageDigest md, int v) {
        md.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private static void putLong(MessageDigest md, long v) {
        md.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
