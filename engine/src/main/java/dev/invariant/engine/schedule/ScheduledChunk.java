package dev.invariant.engine.schedule;

import dev.invariant.engine.backend.SeqChunk;

/**
 * One sequence's share of a step: compute tokens {@code [startPos, startPos + numTokens)}.
 *
 * @param wantLogits true exactly when the chunk ends at the sequence's last known token, so the engine samples
 */
public record ScheduledChunk(Sequence seq, int startPos, int numTokens, boolean wantLogits) {

    public ScheduledChunk {
        if (numTokens < 1) throw new IllegalArgumentException("a chunk has at least one token");
        if (startPos < 0) throw new IllegalArgumentException("startPos < 0");
    }

    public int endPos() {
        return startPos + numTokens;
    }

    /** The backend's view: the chunk's token ids and the sequence's current block table. */
    public SeqChunk toSeqChunk() {
        return new SeqChunk(seq.seqId(), seq.tokenRange(startPos, endPos()), startPos, seq.blockTable(), wantLogits);
    }
}
