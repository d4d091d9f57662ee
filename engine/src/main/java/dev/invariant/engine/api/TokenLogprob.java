package dev.invariant.engine.api;

import java.util.List;

/**
 * The log-probability of one generated token under the model's own distribution at its position, and the
 * most likely alternatives (docs/sampling.md, "Log-probabilities").
 *
 * @param tokenId the generated token
 * @param logprob its log-probability
 * @param top     the N most likely tokens, most likely first, ties to the lowest id; empty when N = 0
 */
public record TokenLogprob(int tokenId, float logprob, List<Alternative> top) {
    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** One of the most likely tokens at a position. */
    public record Alternative(int tokenId, float logprob) {
    }
}
