package dev.invariant.engine.api;

/**
 * Where a request's time went, in milliseconds: waiting before its first step, from its first step to its first
 * token (prefill), from the first token to the end (decode), and arrival to end.
 */
public record Timings(double queueMs, double prefillMs, double decodeMs, double e2eMs, double ttftMs) {
    public static final Timings NONE = new Timings(0, 0, 0, 0, 0);
}
