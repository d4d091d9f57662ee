package dev.invariant.engine.backend;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import java.util.List;

/**
 * Runs the model's forward pass over a batch of sequence chunks and owns the paged KV memory.
 * Every value computed for one chunk is independent of the other chunks in the batch
 * (docs/numerics.md, rule 1): a backend may parallelise across rows and heads, never inside a reduction.
 */
public interface Backend extends AutoCloseable {

    Model model();

    NumericsProfile profile();

    /** Positions per KV block. */
    int blockSize();

    /** KV blocks this backend holds; block ids are {@code 0 .. numBlocks() - 1}. */
    int numBlocks();

    /**
     * Appends each chunk's tokens to its sequence's KV and returns, per chunk and in the same order,
     * the float32 logits of its last position when {@code wantLogits}, else null.
     */
    float[][] forward(List<SeqChunk> chunks);

    /**
     * As {@link #forward(List)}, but a chunk with {@code greedyOnly[i]} gets its row's {@link
     * dev.invariant.engine.sample.GreedyChoice} instead of the row (greedy decoding needs no more): a backend that
     * computes it where the logits are (the GPU) spares copying 152K floats per row. This default scans the rows on
     * the host, so every backend answers the same.
     */
    default StepOutput forward(List<SeqChunk> chunks, boolean[] greedyOnly) {
        return StepOutput.fromRows(forward(chunks), greedyOnly);
    }

    /**
     * What this backend's KV cache stores (resolved: never {@code auto}); it is part of every fingerprint. A backend
     * that stores only fp32 keeps this default, and the engine refuses a config that asks it for another dtype.
     */
    default KvCacheDtype kvCacheDtype() {
        return KvCacheDtype.FP32;
    }

    /**
     * Whether {@link #forward} may be called from any thread, one at a time (the engine then lets an idle engine's
     * submitting thread run a first step itself); false for a backend bound to the thread that opened it.
     */
    default boolean stepsOnAnyThread() {
        return false;
    }

    /** A short description for completions, e.g. "cpu-vector256 x2 threads". */
    String describe();

    @Override
    void close();
}
