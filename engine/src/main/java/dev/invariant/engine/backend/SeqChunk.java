package dev.invariant.engine.backend;

/**
 * One sequence's share of a step: {@code tokens} are appended at positions
 * {@code startPos .. startPos + tokens.length - 1}. The sequence's KV for positions before
 * {@code startPos} is already in the blocks of {@code blockTable} (block i holds positions
 * {@code i * blockSize .. (i + 1) * blockSize - 1}); the table covers every position this chunk writes.
 *
 * @param logitRows how many of the chunk's last positions want their logits row: 0 none, 1 the last position
 *                  (a sampling step), more for prompt log-probabilities ({@link Backend#forwardRows}); at most
 *                  {@code tokens.length}
 */
public record SeqChunk(long seqId, int[] tokens, int startPos, int[] blockTable, int logitRows) {
    public SeqChunk {
        if (tokens.length == 0) throw new IllegalArgumentException("a chunk has at least one token");
        if (startPos < 0) throw new IllegalArgumentException("startPos < 0");
        if (logitRows < 0 || logitRows > tokens.length) {
            throw new IllegalArgumentException("logitRows " + logitRows + " outside 0.." + tokens.length);
        }
    }

    /** @param wantLogits whether to return the logits of the chunk's last position */
    public SeqChunk(long seqId, int[] tokens, int startPos, int[] blockTable, boolean wantLogits) {
        this(seqId, tokens, startPos, blockTable, wantLogits ? 1 : 0);
    }

    /** Whether the chunk's last position's logits are wanted (with or without earlier rows). */
    public boolean wantLogits() {
        return logitRows > 0;
    }

    public int endPos() {
        return startPos + tokens.length;
    }
}
