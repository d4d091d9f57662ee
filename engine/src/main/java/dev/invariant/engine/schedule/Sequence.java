package dev.invariant.engine.schedule;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.kv.BlockTable;
import java.util.Arrays;

/**
 * One request's token state: prompt then output tokens, how many of them have KV in the cache, and its blocks.
 * The engine appends sampled tokens; the {@link Scheduler} changes everything else.
 */
public final class Sequence {
    private final long seqId;
    private final int promptLength;
    private final int maxTokens;
    private int[] tokens;
    private int numTokens;
    private int numComputedTokens;
    private SequenceStatus status = SequenceStatus.WAITING;
    private int numPreemptions;
    private int numCachedTokens;
    /** Prompt positions whose logits rows were handed out (rows 0 .. promptRowsDone - 1); -1: none are wanted. */
    private int promptRowsDone = -1;
    private final BlockTable blockTable = new BlockTable();

    /**
     * @param maxTokens output tokens the sequence may have at most; with the prompt it bounds the KV it can need
     */
    public Sequence(long seqId, int[] promptTokenIds, int maxTokens) {
        this(seqId, promptTokenIds, maxTokens, false);
    }

    /**
     * @param promptRows whether the logits row of every prompt position but the last is wanted (prompt
     *                   log-probabilities): the prompt is then computed from position 0, without a prefix-cache hit
     */
    public Sequence(long seqId, int[] promptTokenIds, int maxTokens, boolean promptRows) {
        if (promptTokenIds.length == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "sequence " + seqId + " has no prompt tokens; send a non-empty prompt");
        }
        if (maxTokens < 1) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "max_tokens must be > 0, got " + maxTokens);
        }
        for (int id : promptTokenIds) {
            if (id < 0) throw new EngineException(ErrorCode.INVALID_PARAM, "token ids must be >= 0, got " + id);
        }
        this.seqId = seqId;
        this.promptLength = promptTokenIds.length;
        this.maxTokens = maxTokens;
        this.tokens = Arrays.copyOf(promptTokenIds, promptTokenIds.length + Math.min(maxTokens, 64));
        this.numTokens = promptTokenIds.length;
        if (promptRows) promptRowsDone = 0;
    }

    public long seqId() {
        return seqId;
    }

    public int promptLength() {
        return promptLength;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Prompt plus output tokens. */
    public int numTokens() {
        return numTokens;
    }

    /** Prompt then output tokens (a copy). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, numTokens);
    }

    public int numOutputTokens() {
        return numTokens - promptLength;
    }

    public int[] outputTokens() {
        return Arrays.copyOfRange(tokens, promptLength, numTokens);
    }

    public int lastToken() {
        return tokens[numTokens - 1];
    }

    /** Appends a sampled token; it is computed (its KV written) in a later step. */
    public void appendToken(int id) {
        if (status == SequenceStatus.FINISHED) throw new IllegalStateException("sequence " + seqId + " is finished");
        if (numOutputTokens() >= maxTokens) {
            throw new IllegalStateException("sequence " + seqId + " already has its " + maxTokens + " output tokens");
        }
        if (id < 0) throw new IllegalArgumentException("token ids are >= 0, got " + id);
        if (numTokens == tokens.length) tokens = Arrays.copyOf(tokens, (int) Math.min(2L * tokens.length, (long) promptLength + maxTokens));
        tokens[numTokens++] = id;
    }

    /** Whether the output holds {@code maxTokens} tokens. */
    public boolean reachedMaxTokens() {
        return numOutputTokens() >= maxTokens;
    }

    /** Tokens whose KV is in the cache: always a prefix of {@link #tokens()}. */
    public int numComputedTokens() {
        return numComputedTokens;
    }

    /** The block ids of this sequence's KV, in position order (a copy). */
    public int[] blockTable() {
        return blockTable.toArray();
    }

    public SequenceStatus status() {
        return status;
    }

    /** How often this sequence lost its KV to make room and recomputed it. */
    public int numPreemptions() {
        return numPreemptions;
    }

    /** Tokens taken from the prefix cache at the latest admission (vLLM's num_cached_tokens). */
    public int numCachedTokens() {
        return numCachedTokens;
    }

    /**
     * The first prompt position whose logits row is still wanted, or -1 when none is (not asked for, or all of
     * rows 0 .. promptLength - 2 were handed out already: a recompute after preemption does not want them again).
     */
    public int promptRowsFrom() {
        return promptRowsDone >= 0 && promptRowsDone < promptLength - 1 ? promptRowsDone : -1;
    }

    // ---- scheduler-side state changes

    /** The rows of the positions before {@code end} (prompt positions only) were handed out. */
    void promptRowsDone(int end) {
        if (promptRowsDone >= 0) promptRowsDone = Math.max(promptRowsDone, Math.min(end, promptLength - 1));
    }

    BlockTable table() {
        return blockTable;
    }

    /** The live token buffer, valid up to {@link #numTokens()}; for hashing without a copy. */
    int[] tokenBuffer() {
        return tokens;
    }

    int[] tokenRange(int from, int to) {
        return Arrays.copyOfRange(tokens, from, to);
    }

    void admitted(int cachedTokens) {
        numCachedTokens = cachedTokens;
        numComputedTokens = cachedTokens;
        status = SequenceStatus.RUNNING;
    }

    void setNumComputedTokens(int n) {
        numComputedTokens = n;
    }

    void setStatus(SequenceStatus s) {
        status = s;
    }

    void countPreemption() {
        numPreemptions++;
    }

    @Override
    public String toString() {
        return "Sequence[" + seqId + ", " + status + ", tokens=" + numTokens + ", computed=" + numComputedTokens + "]";
    }
}
