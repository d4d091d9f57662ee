package dev.invariant.engine.identity;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 written as 64 lower-case hex digits, the form every hash of the project takes. */
final class Sha256 {
    // One digest per thread, reset by each digest(): looking the algorithm up through the security providers costs
    // more than hashing a fingerprint's few hundred bytes, and every request hashes twice.
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {}

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(DIGEST.get().digest(bytes));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new EngineException(ErrorCode.INTERNAL, "this JVM has no SHA-256: use a standard JDK", e);
        }
    }
}
