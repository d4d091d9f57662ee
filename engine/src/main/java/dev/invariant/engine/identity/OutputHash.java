package dev.invariant.engine.identity;

import java.nio.ByteBuffer;

/**
 * The output hash: SHA-256 over the generated token ids, each as a 4-byte big-endian int32, in order
 * (docs/identity.md). Simple enough that anyone can recompute it from a completion's token ids.
 */
public final class OutputHash {
    private OutputHash() {}

    /** 64 lower-case hex digits. */
    public static String of(int[] tokenIds) {
        ByteBuffer bytes = ByteBuffer.allocate(Integer.BYTES * tokenIds.length); // big-endian by default
        for (int id : tokenIds) bytes.putInt(id);
        return Sha256.hex(bytes.array());
    }
}
