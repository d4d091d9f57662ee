package dev.invariant.engine.backend;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.backend.SeqChunk;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tokens of one step, flattened: token t has an id, a position and its sequence's block table.
 * Validated against the model and the KV capacity before anything is written. {@code logitTokens} lists the flat
 * index of every wanted logits row (each chunk's last {@link SeqChunk#logitRows} tokens, in order) and
 * {@code logitChunks} its chunk; a chunk's last position is always its last row.
 */
public record StepBatch(int[] tokens, int[] positions, int[][] tables, int[] logitTokens, int[] logitChunks, int maxEnd) {

    public static StepBatch of(List<SeqChunk> chunks, int vocab, int blockSize, int numBlocks) {
        if (chunks.isEmpty()) throw invalid("a step needs at least one chunk");
        int total = 0;
        int wanted = 0;
        Set<Long> seqs = new HashSet<>();
        for (SeqChunk c : chunks) {
            if (!seqs.add(c.seqId())) throw invalid("sequence " + c.seqId() + " appears twice in one step");
            total += c.tokens().length;
            wanted += c.logitRows();
        }
        int[] tokens = new int[total];
        int[] positions = new int[total];
        int[][] tables = new int[total][];
        int[] logitTokens = new int[wanted];
        int[] logitChunks = new int[wanted];
        int t = 0;
        int w = 0;
        int maxEnd = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            SeqChunk c = chunks.get(ci);
            int[] table = c.blockTable();
            if ((long) table.length * blockSize < c.endPos()) {
                throw invalid("sequence " + c.seqId() + ": block table of " + table.length + " blocks covers "
                        + (long) table.length * blockSize + " positions, the chunk ends at " + c.endPos());
            }
            for (int b = 0; b < (c.endPos() + blockSize - 1) / blockSize; b++) {
                if (table[b] < 0 || table[b] >= numBlocks) {
                    throw invalid("sequence " + c.seqId() + ": block id " + table[b] + " is outside 0.." + (numBlocks - 1));
                }
            }
            for (int i = 0; i < c.tokens().length; i++) {
                int id = c.tokens()[i];
                if (id < 0 || id >= vocab) {
                    throw invalid("sequence " + c.seqId() + ": token id " + id + " is outside the vocabulary 0.." + (vocab - 1));
                }
                tokens[t] = id;
                positions[t] = c.startPos() + i;
                tables[t] = table;
                t++;
            }
            for (int r = c.logitRows(); r > 0; r--) {
                logitTokens[w] = t - r;
                logitChunks[w] = ci;
                w++;
            }
            maxEnd = Math.max(maxEnd, c.endPos());
        }
        return new StepBatch(tokens, positions, tables, logitTokens, logitChunks, maxEnd);
    }

    public int size() {
        return tokens.length;
    }

    private static EngineException invalid(String m) {
        return new EngineException(ErrorCode.INVALID_PARAM, m);
    }
}
