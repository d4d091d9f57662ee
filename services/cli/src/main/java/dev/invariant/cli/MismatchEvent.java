package dev.invariant.cli;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.ObservedOutput;
import dev.invariant.schemas.Producer;
import dev.invariant.schemas.consistency.OutputDiff;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link ConsistencyEvent} a long-running verifier publishes when a completion's hash is not reproduced on the
 * CPU: expected = the CPU's re-execution (engine {@code invariant-verifier}), actual = the completion, with the same
 * windows around the first difference as the monitor's events.
 */
final class MismatchEvent {
    static final String ENGINE = "invariant-verifier";
    private static final int CONTEXT_TOKENS = 8;
    private static final int TEXT_WINDOW = 60;

    private MismatchEvent() {
    }

    static ConsistencyEvent of(Completion c, GenerationResult cpu, String cpuBackend, long now) {
        List<Integer> expected = Arrays.stream(cpu.tokenIds()).boxed().toList();
        List<Integer> actual = c.getTokenIds();
        int at = OutputDiff.firstDifferentToken(expected, actual);
        if (at < 0) at = Math.min(expected.size(), actual.size()); // equal ids, a hash that is not theirs
        int start = Math.max(0, at - CONTEXT_TOKENS);
        int charAt = OutputDiff.firstDifferentChar(cpu.text(), c.getText());
        if (charAt < 0) charAt = Math.min(cpu.text().length(), c.getText().length());
        Producer verifier = Producer.newBuilder().setEngine(ENGINE).setVersion(cpu.fingerprint().substring(0, 12))
                .setBackend(cpuBackend).setNumericsProfile(c.getEngine().getNumericsProfile()).setWorkerId(ENGINE).build();
        Producer worker = Producer.newBuilder().setEngine(c.getEngine().getName()).setVersion(c.getEngine().getVersion())
                .setBackend(c.getEngine().getBackend()).setNumericsProfile(c.getEngine().getNumericsProfile())
                .setWorkerId(c.getWorkerId() == null ? "" : c.getWorkerId()).build();
        return ConsistencyEvent.newBuilder()
                .setFingerprint(c.getFingerprint())
                .setModel(c.getModel())
                .setDistinctOutputs(2)
                .setFirstDifference(at)
                .setContextStart(start)
                .setExpected(side(cpu.outputHash(), c.getRequestId(), verifier, expected, cpu.text(), start, at, charAt,
                        Instant.ofEpochMilli(now)))
                .setActual(side(c.getOutputHash(), c.getRequestId(), worker, actual, c.getText(), start, at, charAt,
                        c.getCreatedAt()))
                .setDetectedAt(Instant.ofEpochMilli(now))
                .build();
    }

    private static ObservedOutput side(String hash, String requestId, Producer p, List<Integer> ids, String text,
                                       int start, int at, int charAt, Instant seen) {
        return ObservedOutput.newBuilder().setOutputHash(hash).setRequestId(requestId).setProducer(p).setCount(1)
                .setTokenCount(ids.size())
                .setTokensAround(OutputDiff.window(ids, start, at, CONTEXT_TOKENS))
                .setTextAround(OutputDiff.textWindow(text, charAt, TEXT_WINDOW, TEXT_WINDOW))
                .setTextDifference(OutputDiff.textWindowOffset(text, charAt, TEXT_WINDOW))
                .setFirstSeen(seen)
                .build();
    }
}
