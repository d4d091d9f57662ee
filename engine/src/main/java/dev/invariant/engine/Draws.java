package dev.invariant.engine;

import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.sample.Sampler;
import java.util.stream.IntStream;

/**
 * A step's tokens, drawn for all of its requests before any is accepted. Each draw is a pure function of its row
 * and its request (docs/sampling.md), so a large step's draws run in parallel and the tokens are the same: at
 * batch 64 with a 152K vocabulary the row scans alone are milliseconds of the engine thread per step.
 */
final class Draws {
    /** Logit values in a step above which its draws run in parallel; below, forking costs more than the scans. */
    private static final long PARALLEL_VALUES = 1L << 20;

    /** A request's token and log-probs, or why it could not be drawn. */
    record Draw(int token, TokenLogprob logprob, RuntimeException error) {
    }

    private Draws() {
    }

    /** Row i's draw for {@code requests[i]}; null where the request or the row is null. */
    static Draw[] of(float[][] logits, ActiveRequest[] requests) {
        Draw[] out = new Draw[logits.length];
        long values = 0;
        int rows = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] != null && requests[i] != null) {
                values += logits[i].length;
                rows++;
            }
        }
        IntStream range = IntStream.range(0, logits.length);
        if (rows > 1 && values >= PARALLEL_VALUES) range = range.parallel();
        range.forEach(i -> {
            if (logits[i] != null && requests[i] != null) out[i] = draw(logits[i], requests[i]);
        });
        return out;
    }

    private static Draw draw(float[] logits, ActiveRequest a) {
        try {
            int token = Sampler.sample(logits, a.prepared.params(), a.prepared.params().seed(),
                    a.seq.numOutputTokens(), a.seq.tokens(), a.seq.promptLength());
            Request r = a.prepared.request();
            return new Draw(token, r.wantsLogprobs() ? Logprobs.of(logits, token, r.logprobs()) : null, null);
        } catch (RuntimeException e) {
            return new Draw(-1, null, e);
        }
    }
}
