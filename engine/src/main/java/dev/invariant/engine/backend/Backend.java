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
     * the float32 logits of its last position when {@code wantLogits}, else null (earlier rows a chunk asks for
     * with {@link SeqChunk#logitRows} are not returned here: see {@link #forwardRows}).
     */
    float[][] forward(List<SeqChunk> chunks);

    /**
     * As {@link #forward(List)}, but returns every wanted row: each chunk's last {@link SeqChunk#logitRows}
     * positions, chunk by chunk and in position order ({@link StepBatch#logitTokens} order). A row is the same bits
     * whichever of its chunk's positions it is and whatever else the step holds (numerics.md, rule 1). A step
     * holds at most the engine's {@code maxNumSeqs} rows. This default serves backends that return last rows only,
     * for steps that want no more.
     */
    default float[][] forwardRows(List<SeqChunk> chunks) {
        int wanted = 0;
        for (SeqChunk c : chunks) {
            if (c.logitRows() > 1) {
                throw new UnsupportedOperationException(describe() + " returns only a chunk's last logits row");
            }
            wanted += c.logitRows();
        }
        float[][] last = forward(chunks);
        float[][] rows = new float[wanted][];
        int w = 0;
        for (float[] row : last) if (row != null) rows[w++] = row;
        return rows;
    }

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
