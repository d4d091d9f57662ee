package dev.invariant.engine.backend.cuda;

/**
 * How one layer's attention makes and sees its scores (docs/numerics.md §8), the arguments every attention kernel
 * takes: the scale after the dot, the sliding window (a sliding layer's: a query sees itself and the
 * {@code window - 1} keys before it; 0: every key) and the cap (Gemma 2: {@code tanh(score / softcap) * softcap};
 * 0: none).
 */
record AttentionScores(float scale, int window, float softcap) {
    AttentionScores {
        if (window < 0 || !(softcap >= 0)) throw new IllegalArgumentException("window " + window + ", cap " + softcap);
    }
}
