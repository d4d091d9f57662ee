package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.sample.GreedyChoice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decode step launched before the host has read the previous one: when every row of a graph-replayed decode
 * step is greedy-only, the step that would follow (each sequence one position on, fed on the device with the token
 * its row just chose) is queued right behind it, so the device never waits for the host to read a token, run the
 * engine's bookkeeping and stage the next step (~110 µs a step at 0.5B batch 1, measured).
 * <p>
 * It changes no value: the engine's next step, when it asks for exactly that (same sequences in the same order, each
 * with the chosen token at the next position, the same blocks), gets the step already run; its kernels are the
 * same, and every row is independent of the others (numerics.md rule 1). Any other next step discards it and runs
 * as asked: the discarded step wrote each sequence's KV at the next position inside a block the sequence already
 * held (a speculation that needs a new block is not made), which the sequence's real step rewrites with the same
 * bits, or which belongs to a finished sequence and is rewritten by whoever gets the block next (one stream: in
 * order) before anything reads it. Discards back off exponentially, so a busy mixed load wastes little device time.
 */
final class Lookahead {
    /** The most decode steps skipped after discards in a row. */
    static final int MAX_BACKOFF = 256;

    private boolean enabled;
    private final int blockSize;
    private List<SeqChunk> speculated;
    private LaunchedStep launched;
    private int[] fed;
    private int backoff;
    private int skip;
    private long hits;
    private long discards;

    Lookahead(boolean enabled, int blockSize) {
        this.enabled = enabled;
        this.blockSize = blockSize;
    }

    /**
     * The chunks of the step that would follow {@code chunks} (each one token further, token to be fed on the
     * device), or null when it may not be speculated: a row is not greedy-only or not a one-token decode, the next
     * position would need a block the sequence does not hold or lies beyond {@code maxPositions}, or discards are
     * backing off.
     */
    List<SeqChunk> next(List<SeqChunk> chunks, boolean[] greedyOnly, int maxPositions) {
        if (!enabled) return null;
        if (skip > 0) {
            skip--;
            return null;
        }
        List<SeqChunk> next = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            SeqChunk c = chunks.get(i);
            int pos = c.startPos() + 1;
            int blocks = (pos + blockSize) / blockSize;  // the blocks covering positions 0..pos
            if (!greedyOnly[i] || c.tokens().length != 1 || !c.wantLogits() || pos >= maxPositions
                    || blocks > c.blockTable().length) {
                return null;
            }
            next.add(new SeqChunk(c.seqId(), new int[] {0}, pos, Arrays.copyOf(c.blockTable(), blocks), true));
        }
        return next;
    }

    /** A speculated step is on the device: {@code handle} reads it. */
    void launched(List<SeqChunk> next, LaunchedStep handle) {
        speculated = next;
        launched = handle;
        fed = null;
    }

    /** The greedy rows' tokens (a speculation needs every row greedy-only, so none is null then). */
    static int[] tokens(GreedyChoice[] greedy) {
        int[] t = new int[greedy.length];
        for (int i = 0; i < t.length; i++) t[i] = greedy[i] == null ? -1 : greedy[i].token();
        return t;
    }

    /** The tokens the step before the speculated one chose (what the device fed it), once the host has read them. */
    void fed(int[] tokens) {
        if (speculated != null) fed = tokens;
    }

    boolean inFlight() {
        return speculated != null;
    }

    /** Whether {@code chunks} asks for exactly the speculated step. */
    boolean matches(List<SeqChunk> chunks, boolean[] greedyOnly) {
        if (fed == null || chunks.size() != speculated.size()) return false;
        for (int i = 0; i < chunks.size(); i++) {
            SeqChunk c = chunks.get(i);
            SeqChunk s = speculated.get(i);
            if (!greedyOnly[i] || c.seqId() != s.seqId() || c.tokens().length != 1 || c.tokens()[0] != fed[i]
                    || c.startPos() != s.startPos() || !c.wantLogits() || c.blockTable().length < s.blockTable().length
                    || !Arrays.equals(c.blockTable(), 0, s.blockTable().length, s.blockTable(), 0, s.blockTable().length)) {
                return false;
            }
        }
        return true;
    }

    /** The speculated step is the one asked for: its handle; nothing is in flight after. */
    LaunchedStep take() {
        LaunchedStep h = launched;
        clear();
        hits++;
        backoff = 0;
        return h;
    }

    /** The speculated step is not the one asked for: its handle (to wait for); the next speculations back off. */
    LaunchedStep discard() {
        LaunchedStep h = launched;
        clear();
        discards++;
        backoff = backoff == 0 ? 1 : Math.min(MAX_BACKOFF, 2 * backoff);
        skip = backoff;
        return h;
    }

    private void clear() {
        speculated = null;
        launched = null;
        fed = null;
    }

    /** Turns launching ahead on or off (benchmarks compare both in one model load). */
    void enable(boolean on) {
        enabled = on;
    }

    long hits() {
        return hits;
    }

    long discards() {
        return discards;
    }
}
