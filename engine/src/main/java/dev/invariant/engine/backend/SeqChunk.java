package dev.invariant.engine.backend;

/**
 * One sequence's share of a step: {@code tokens} are appended at positions
 * {@code startPos .. startPos + tokens.length - 1}. The sequence's KV for positions before
 * {@code startPos} is already in the blocks of {@code blockTable} (block i holds positions
 * {@code i * blockSize .. (i + 1) * blockSize - 1}); the table covers every position this chunk writes.
 *
 * @param wantLogits whether to return the logits of the chunk's last position
 */
public record SeqChunk(long seqId, int[] tokens, int startPos, int[] blockTable, boolean wantLogits) {
    public SeqChunk {
        if (tokens.length == 0) throw new IllegalArgumentException("a chunk has at least one token");
        if (startPos < 0) throw new IllegalArgumentException("startPos < 0");
    }

    public int endPos() {
        return startPos + tokens.length;
    }
}
