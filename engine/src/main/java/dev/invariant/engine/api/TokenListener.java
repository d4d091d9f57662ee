package dev.invariant.engine.api;

/** Receives a request's output as it is generated, for streaming. Called on the engine's thread: return quickly. */
@FunctionalInterface
public interface TokenListener {
    /**
     * @param position  output position of {@code tokenId} (0 = first generated token)
     * @param textDelta text that became certain with this token (may be empty: a character still incomplete,
     *                  or text held back because it may start a stop string)
     */
    void onToken(String requestId, int position, int tokenId, String textDelta);

    TokenListener NONE = (id, pos, tok, delta) -> { };
}
