package dev.invariant.engine.api;

/** Sees the raw logits every sampling decision is made from; tests use it to compare bits across schedules. */
@FunctionalInterface
public interface LogitsObserver {
    void onLogits(String requestId, int position, float[] logits);
}
