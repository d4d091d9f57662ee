package dev.invariant.engine.api;

import java.util.List;

/**
 * One of the n outputs of a request (beam search returns n; every other request returns one), best first.
 *
 * @param index             rank among the request's outputs, 0 = best
 * @param tokenIds          generated ids (what {@code outputHash} covers)
 * @param outputHash        SHA-256 of {@code tokenIds} (docs/identity.md)
 * @param cumulativeLogprob sum of the generated tokens' log-probabilities (beam search's binary32 running sum)
 * @param logprobs          per-token log-probabilities when the request asked for them, else empty
 */
public record SequenceOutput(int index, int[] tokenIds, String text, FinishReason finishReason, String outputHash,
                             float cumulativeLogprob, List<TokenLogprob> logprobs) {
    public SequenceOutput {
        logprobs = List.copyOf(logprobs);
    }
}
