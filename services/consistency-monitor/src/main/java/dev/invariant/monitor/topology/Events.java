package dev.invariant.monitor.topology;

import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.ObservedOutput;
import dev.invariant.schemas.consistency.OutputDiff;
import java.time.Instant;

/** Builds the {@link ConsistencyEvent} of a fingerprint whose new output differs from its first one. */
final class Events {
    private static final int TEXT_BEFORE = 60;
    private static final int TEXT_AFTER = 60;

    private Events() {
    }

    static ConsistencyEvent divergence(String fingerprint, FingerprintState s, String newHash, int contextTokens,
                                       long detectedAt) {
        FingerprintState.Output expected = s.expected();
        FingerprintState.Output actual = s.outputs.get(newHash);
        String expectedHash = s.outputs.keySet().iterator().next();
        int at = OutputDiff.firstDifferentToken(expected.tokenIds, actual.tokenIds);
        if (at < 0) at = Math.min(expected.tokenIds.size(), actual.tokenIds.size()); // differ beyond the stored tokens
        int start = Math.max(0, at - contextTokens);
        int charAt = OutputDiff.firstDifferentChar(expected.text, actual.text);
        if (charAt < 0) charAt = Math.min(expected.text.length(), actual.text.length());
        return ConsistencyEvent.newBuilder()
                .setFingerprint(fingerprint)
                .setModel(s.model)
                .setDistinctOutputs(s.outputs.size())
                .setFirstDifference(at)
                .setContextStart(start)
                .setExpected(observed(expectedHash, expected, start, at, contextTokens, charAt))
                .setActual(observed(newHash, actual, start, at, contextTokens, charAt))
                .setDetectedAt(Instant.ofEpochMilli(detectedAt))
                .build();
    }

    private static ObservedOutput observed(String hash, FingerprintState.Output o, int start, int at, int after,
                                           int charAt) {
        return ObservedOutput.newBuilder()
                .setOutputHash(hash)
                .setRequestId(o.requestId)
                .setProducer(o.producers.getFirst().toAvro())
                .setCount(o.count)
                .setTokenCount(o.tokenCount)
                .setTokensAround(OutputDiff.window(o.tokenIds, start, at, after))
                .setTextAround(OutputDiff.textWindow(o.text, charAt, TEXT_BEFORE, TEXT_AFTER))
                .setTextDifference(OutputDiff.textWindowOffset(o.text, charAt, TEXT_BEFORE))
                .setFirstSeen(Instant.ofEpochMilli(o.firstSeen))
                .build();
    }
}
