package dev.invariant.monitor;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.EngineInfo;
import dev.invariant.schemas.Timings;
import dev.invariant.schemas.Usage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/** Crafted completions for the tests: real output hashes of their token ids, chosen producers and timings. */
public final class Completions {
    private Completions() {
    }

    public static Completion of(String requestId, String fingerprint, List<Integer> tokens, String text, String profile,
                                String backend, String worker, double e2eMs) {
        return Completion.newBuilder()
                .setRequestId(requestId)
                .setModel("stories260K")
                .setEngine(EngineInfo.newBuilder().setName("invariant").setVersion("0.1.0").setBackend(backend)
                        .setNumericsProfile(profile).build())
                .setPromptTokenIds(List.of(1, 2, 3))
                .setTokenIds(tokens)
                .setText(text)
                .setFinishReason("length")
                .setFingerprint(fingerprint)
                .setOutputHash(outputHash(tokens))
                .setSeed(0L)
                .setUsage(Usage.newBuilder().setPromptTokens(3).setCompletionTokens(tokens.size()).build())
                .setTimings(Timings.newBuilder().setE2eMs(e2eMs).build())
                .setWorkerId(worker)
                .setCreatedAt(Instant.now())
                .build();
    }

    public static Completion failed(String requestId) {
        return Completion.newBuilder()
                .setRequestId(requestId)
                .setModel("stories260K")
                .setEngine(EngineInfo.newBuilder().setName("invariant").setVersion("0.1.0").setBackend("cpu")
                        .setNumericsProfile("portable").build())
                .setFinishReason("error")
                .setError(dev.invariant.schemas.CompletionError.newBuilder().setCode("INVALID_PARAM")
                        .setMessage("max_tokens must be positive").build())
                .setCreatedAt(Instant.now())
                .build();
    }

    /** The output hash of docs/identity.md: SHA-256 of the ids as 4-byte big-endian ints. */
    public static String outputHash(List<Integer> tokens) {
        ByteBuffer b = ByteBuffer.allocate(4 * tokens.size());
        tokens.forEach(b::putInt);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fingerprint-shaped key (64 hex digits) derived from a name. */
    public static String fingerprint(String name) {
        return outputHash(name.chars().boxed().toList());
    }
}
