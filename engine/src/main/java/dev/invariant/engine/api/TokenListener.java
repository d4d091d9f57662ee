package dev.invariant.engine.api;

import java.util.List;

/** Receives a request's output as it is generated, for streaming. Called on the engine's thread: return quickly. */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param position  output position of {@code tokenId} (0 = first generated token)
     * @param textDelta text that became certain with this token (may be empty: a character still incomplete,
     *                  or text held back because it may start a stop string)
     */
    void onToken(String requestId, int position, int tokenId, String textDelta);

    /**
     * What the engine calls: {@code logprob} is the token's log-probability when the request asked for them, else
     * null. Listeners that stream log-probabilities override this one.
     */
    default void onToken(String requestId, int position, int tokenId, String textDelta, TokenLogprob logprob) {
        onToken(requestId, position, tokenId, textDelta);
    }

    /**
     * The prompt's token ids, called once just before position 0's {@link #onToken} (and before
     * {@link #onPromptLogprobs}), on every sample's listener. The default ignores them.
     */
    default void onStart(String requestId, int[] promptIds) {
    }

    /**
     * The prompt's log-probabilities ({@link Request#promptLogprobs()}; {@link GenerationResult#promptLogprobs()}
     * has the same entries), called once, just before position 0's {@link #onToken}, when the request asked for them.
     * With n samples only sample 0's listener gets them; beam searches stream nothing. The default ignores them.
     *
     * @param promptIds the prompt's token ids, entries[i] being promptIds[i + 1]'s
     */
    default void onPromptLogprobs(String requestId, int[] promptIds, List<TokenLogprob> entries) {
    }

    /**
     * The listener of sample {@code i} of a request with n > 1 independent samples (not beams, which are known only when
     * the search ends). This default streams sample 0 only, as a listener that knows nothing of samples expects;
     * a listener that streams every choice (OpenAI's chunks carry a choice index) overrides it.
     */
    default TokenListener forSample(int i) {
        return i == 0 ? this : NONE;
    }

    TokenListener NONE = (id, pos, tok, delta) -> { };
}
