package dev.invariant.engine.schedule;

import dev.invariant.engine.backend.SeqChunk;
import java.util.List;

/**
 * What one step computes, plus the sequences preempted to make room (their KV is gone; they wait to recompute).
 */
public record ScheduledBatch(List<ScheduledChunk> chunks, List<Sequence> preempted) {

    public static final ScheduledBatch EMPTY = new ScheduledBatch(List.of(), List.of());

    public ScheduledBatch {
        chunks = List.copyOf(chunks);
        preempted = List.copyOf(preempted);
    }

    public boolean isEmpty() {
        return chunks.isEmpty();
    }

    /** Tokens computed in this step. */
    public int numTokens() {
        int n = 0;
        for (ScheduledChunk c : chunks) n += c.numTokens();
        return n;
    }

    /** Whether a chunk wants more rows than the one it samples from (prompt log-probabilities). */
    public boolean wantsPromptRows() {
        for (ScheduledChunk c : chunks) if (c.logitRows() > (c.wantLogits() ? 1 : 0)) return true;
        return false;
    }

    /** The total of the chunks' logits rows. */
    public int numLogitRows() {
        int n = 0;
        for (ScheduledChunk c : chunks) n += c.logitRows();
        return n;
    }

    /** The chunks as the backend takes them, in the same order. */
    public List<SeqChunk> seqChunks() {
        return chunks.stream().map(ScheduledChunk::toSeqChunk).toList();
    }
}
