package dev.invariant.engine.identity;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 written as 64 lower-case hex digits, the form every hash of the project takes. */
final class Sha256 {
    private Sha256() {}

    static String hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new EngineException(ErrorCode.INTERNAL, "this JVM has no SHA-256: use a standard JDK", e);
        }
    }
}
