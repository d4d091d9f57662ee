package dev.invariant.engine.kv;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Identity of a full KV block for prefix caching: SHA-256 of (parent block's hash, the block's token ids).
 * Chaining the parent makes the hash cover the whole prefix, so equal tokens after different prefixes never
 * share a block. A 256-bit digest rather than a 64-bit one because a false hit would silently change bits.
 */
public record BlockHash(long w0, long w1, long w2, long w3) {

    /** The parent of a sequence's first block. */
    public static final BlockHash ROOT = new BlockHash(0, 0, 0, 0);

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    });

    /** The hash of the block holding {@code tokens[from .. from + count)} whose parent block hashes to {@code this}. */
    public BlockHash child(int[] tokens, int from, int count) {
        ByteBuffer buf = ByteBuffer.allocate(32 + 4 * count);
        buf.putLong(w0).putLong(w1).putLong(w2).putLong(w3);
        for (int i = from; i < from + count; i++) buf.putInt(tokens[i]);
        MessageDigest md = SHA256.get();
        md.reset();
        ByteBuffer d = ByteBuffer.wrap(md.digest(buf.array()));
        return new BlockHash(d.getLong(), d.getLong(), d.getLong(), d.getLong());
    }
}
