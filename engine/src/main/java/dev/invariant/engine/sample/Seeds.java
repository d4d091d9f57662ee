package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Seeds for requests that do not bring one: derived from the request id, so a retry gets the same seed.
 * A derived seed lies in [0, 2^53): the Completion record carries it as an Avro long, and JavaScript readers
 * (avsc, which {@code @kafkajs/confluent-schema-registry} uses with its defaults) refuse longs they cannot hold
 * exactly in a double. A seed the caller gives may be any int64 (docs/sampling.md says what that costs).
 */
public final class Seeds {
    private Seeds() {}

    /** Largest derived seed + 1: 2^53, the first integer a double cannot tell from its neighbour. */
    public static final long DERIVED_LIMIT = 1L << 53;

    /** The first 8 bytes, big-endian, of SHA-256 over the UTF-8 bytes of the id, as an unsigned number >> 11. */
    public static long fromRequestId(String requestId) {
        if (requestId == null || requestId.isEmpty()) {
            throw new EngineException(ErrorCode.INVALID_PARAM,
                    "cannot derive a seed from an empty request id: give the request an id or a seed");
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(requestId.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong() >>> (Long.SIZE - 53);
        } catch (NoSuchAlgorithmException e) {
            throw new EngineException(ErrorCode.INTERNAL, "this JVM has no SHA-256: use a standard JDK", e);
        }
    }

    /** {@code params} with its seed resolved: the given seed if present, else one derived from the request id. */
    public static SamplingParams resolve(SamplingParams params, String requestId) {
        return params.seed() != null ? params : params.withSeed(fromRequestId(requestId));
    }
}
