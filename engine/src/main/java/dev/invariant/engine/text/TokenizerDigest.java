package dev.invariant.engine.text;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The framing of docs/tokenizer.md: SHA-256 over the magic line, then each part as its name in UTF-8, a
 * 0x00 byte, its length as an unsigned 64-bit big-endian integer, and its bytes. Parts come in a fixed
 * order and absent parts are left out, so no two different inputs share an encoding.
 */
final class TokenizerDigest {
    static final String MAGIC = "invariant-tokenizer-v1\n";
    private final MessageDigest sha;

    TokenizerDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        sha.update(MAGIC.getBytes(StandardCharsets.UTF_8));
    }

    TokenizerDigest part(String name, byte[] bytes) {
        if (bytes == null) return this;
        sha.update(name.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(ByteBuffer.allocate(8).putLong(bytes.length).array());
        sha.update(bytes);
        return this;
    }

    TokenizerDigest part(String name, String text) {
        return part(name, text == null ? null : text.getBytes(StandardCharsets.UTF_8));
    }

    String hex() {
        return HexFormat.of().formatHex(sha.digest());
    }
}
