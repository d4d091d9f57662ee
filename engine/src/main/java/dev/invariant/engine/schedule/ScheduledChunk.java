package dev.invariant.engine.schedule;

import dev.invariant.engine.backend.SeqChunk;

/**
 * One sequence's share of a step: compute tokens {@code [startPos, startPos + numTokens)}.
 *
 * @param wantLogits true exactly when the chunk ends at the sequence's last known token, so the engine samples
 * @param logitRows  how many of the chunk's last positions' logits rows the backend returns: the prompt positions
 *                   whose rows its sequence still wants ({@link Sequence#promptRowsFrom()}), then the last one when
 *                   {@code wantLogits}; 1 or 0 for every other chunk
 */
public record ScheduledChunk(Sequence seq, int startPos, int numTokens, boolean wantLogits, int logitRows) {

    public ScheduledChunk {
        if (numTokens < 1) throw new IllegalArgumentException("a chunk has at least one token");
        if (startPos < 0) throw new IllegalArgumentException("startPos < 0");
        if (logitRows < (wantLogits ? 1 : 0) || logitRows > numTokens) {
            throw new IllegalArgumentException("logitRows " + logitRows + " for a chunk of " + numTokens);
        }
    }

    public ScheduledChunk(Sequence seq, int startPos, int numTokens, boolean wantLogits) {
        this(seq, startPos, numTokens, wantLogits, wantLogits ? 1 : 0);
    }

    /** The chunk of {@code seq}'s tokens {@code [start, start + n)}, with the rows it wants. */
    static ScheduledChunk of(Sequence seq, int start, int n) {
        int end = start + n;
        boolean sample = end == seq.numTokens();
        int from = seq.promptRowsFrom();
        int first = Math.max(start, from);
        // Prompt rows run up to position promptLength - 2; the last prompt position's row is the sampling row,
        // so the wanted rows are always the chunk's trailing ones.
        int rows = from >= 0 && Math.min(end, seq.promptLength() - 1) > first ? end - first : sample ? 1 : 0;
        return new ScheduledChunk(seq, start, n, sample, rows);
    }

    /**
     * The most tokens a chunk of {@code seq} from {@code start} may compute so that it wants at most {@code rows}
     * rows (at least 1): a chunk that wants prompt rows is cut short, any other is not limited.
     */
    static int tokensForRows(Sequence seq, int start, int n, int rows) {
        int from = seq.promptRowsFrom();
        if (from < 0) return n;
        return Math.min(n, Math.max(start, from) - start + rows);
    }

    public int endPos() {
        return startPos + numTokens;
    }

    /** The backend's view: the chunk's token ids, the sequence's current block table and the rows wanted. */
    public SeqChunk toSeqChunk() {
        return new SeqChunk(seq.seqId(), seq.tokenRange(startPos, endPos()), startPos, seq.blockTable(), logitRows);
    }
}
