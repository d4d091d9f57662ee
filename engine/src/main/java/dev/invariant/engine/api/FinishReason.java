package dev.invariant.engine.api;

/** Why generation ended; the lower-case name is what completions carry (OpenAI/vLLM vocabulary). */
public enum FinishReason {
    /** EOS, a stop token id or a stop string. */
    STOP,
    /** max_tokens reached or the context is full. */
    LENGTH,
    /** The request failed; the result carries the error. */
    ERROR;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
