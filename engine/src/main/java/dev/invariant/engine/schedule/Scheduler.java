package dev.invariant.engine.schedule;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.kv.BlockManager;
import dev.invariant.engine.kv.PrefixMatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Continuous batching over a paged KV cache. The engine loop is
 * {@code b = schedule(); logits = backend.forward(b.seqChunks()); onStepDone(b);} then it appends sampled tokens
 * and calls {@link #finish} for sequences that are done.
 *
 * <p>Policy of one step, with a budget of {@code maxTokensPerStep} tokens:
 * <ol>
 * <li>Running sequences first, in admission order: each computes its next {@code min(remaining, prefillChunk,
 *     budget)} tokens (1 when decoding). When one needs a block and none is free (unreferenced cached blocks are
 *     evicted first), the most recently admitted running sequence is preempted by recompute: its blocks are freed,
 *     its computed count drops to 0 and it goes to the front of the waiting queue with its output tokens kept, to be
 *     recomputed as part of its prefill. If the needy sequence is itself the most recent, it is the one preempted.
 *     The oldest running sequence therefore always progresses, and every sequence fits alone ({@link #add} checks),
 *     so the system never livelocks.</li>
 * <li>Then, unless something was preempted in this step (which would thrash), waiting sequences are admitted
 *     first-come first-served while budget, {@code maxNumSeqs} and blocks allow; the first that does not fit stops
 *     admission so no one is overtaken. An admitted sequence first reuses the cached blocks of its longest cached
 *     prefix of full blocks, always leaving at least one token to compute so there are logits, then prefills in
 *     chunks (chunked prefill).</li>
 * </ol>
 * {@code wantLogits} is true exactly when a chunk ends at the sequence's last known token. A sequence that wants
 * its prompt's rows ({@link Sequence#promptRowsFrom()}) takes no cached prefix and asks for the row of every prompt
 * position it computes; a step holds at most {@code maxNumSeqs} rows (what a backend takes): such a chunk is cut
 * short so that every other sequence that may still join the step keeps one row, and computes at least one token,
 * so it always progresses. Blocks are allocated
 * as a sequence grows, never ahead. Neither batching nor a prefix-cache hit or miss can change bits: a token's KV
 * depends only on the tokens before it, and the backend computes each chunk independently of the others.
 *
 * <p>Methods are synchronized so that other threads may {@link #add} and read counters while the engine thread
 * steps; a {@link Sequence}'s tokens are appended by the engine thread only.
 */
public final class Scheduler {
    private final SchedulerConfig config;
    private final BlockManager blocks;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    /** In admission order: the last one is the first to be preempted. */
    private final List<Sequence> running = new ArrayList<>();
    private final Set<Long> activeIds = new HashSet<>();
    /** The batch handed out and not yet reported done. */
    private ScheduledBatch pending;

    public Scheduler(SchedulerConfig config) {
        this.config = config;
        this.blocks = new BlockManager(config.numBlocks(), config.blockSize(), config.prefixCaching());
    }

    public SchedulerConfig config() {
        return config;
    }

    /** Whether a sequence of {@code totalTokens} positions (prompt + max tokens) can ever fit the KV pool. */
    public boolean fits(int totalTokens) {
        return blocks.fits(totalTokens);
    }

    /**
     * Queues a new sequence. Fails with OVERLOADED when {@code maxWaiting} sequences already wait, and with
     * KV_CACHE_TOO_SMALL when its prompt plus max tokens could never fit the KV pool.
     */
    public synchronized void add(Sequence s) {
        if (s.status() != SequenceStatus.WAITING || s.numComputedTokens() != 0 || s.table().size() != 0) {
            throw new IllegalArgumentException("only a new sequence can be added: " + s);
        }
        if (activeIds.contains(s.seqId())) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "sequence id " + s.seqId() + " is already scheduled; use a unique id");
        }
        long total = (long) s.promptLength() + s.maxTokens();
        if (total > Integer.MAX_VALUE || !fits((int) total)) {
            throw new EngineException(ErrorCode.KV_CACHE_TOO_SMALL, "max_tokens", "prompt (" + s.promptLength()
                    + " tokens) plus max_tokens (" + s.maxTokens() + ") need " + total + " positions, more than the "
                    + config.numBlocks() * (long) config.blockSize() + " of this engine's KV cache: lower max_tokens,"
                    + " shorten the prompt, or run the engine with a larger KV cache");
        }
        if (!canAdmit()) {
            throw new EngineException(ErrorCode.OVERLOADED, config.maxWaiting() + " requests are already waiting; retry later");
        }
        waiting.addLast(s);
        activeIds.add(s.seqId());
    }

    /**
     * Queues the continuation of an admitted request (a beam search's next step) at the front of the waiting queue,
     * ahead of new requests and past the waiting bound: it replaces sequences that just finished, so it takes no new
     * place in the engine. Call it in rank order; the sequences keep that order.
     */
    public synchronized void continueWith(List<Sequence> next) {
        for (Sequence s : next) {
            if (s.status() != SequenceStatus.WAITING || s.table().size() != 0 || activeIds.contains(s.seqId())) {
                throw new IllegalArgumentException("only a new sequence can continue a request: " + s);
            }
        }
        for (int i = next.size() - 1; i >= 0; i--) {
            waiting.addFirst(next.get(i));
            activeIds.add(next.get(i).seqId());
        }
    }

    /** Whether {@link #add} would accept another sequence now. */
    public synchronized boolean canAdmit() {
        return waiting.size() < config.maxWaiting();
    }

    /** The next step's work; an empty batch when there is none. Call {@link #onStepDone} before the next one. */
    public synchronized ScheduledBatch schedule() {
        if (pending != null) throw new IllegalStateException("the previous batch is not done: call onStepDone first");
        List<ScheduledChunk> chunks = new ArrayList<>();
        List<Sequence> preempted = new ArrayList<>();
        int budget = config.maxTokensPerStep();
        int rows = 0;
        int end = running.size(); // running[end..] were preempted in this step
        for (int i = 0; i < end && budget > 0; i++) {
            Sequence s = running.get(i);
            int n = Math.min(Math.min(s.numTokens() - s.numComputedTokens(), config.prefillChunk()), budget);
            if (n <= 0) continue; // the engine has not appended its sampled token yet
            // one row kept for each later running sequence and each one that may be admitted
            int spare = config.maxNumSeqs() - rows - (end - i - 1) - Math.min(waiting.size(), config.maxNumSeqs() - end);
            n = ScheduledChunk.tokensForRows(s, s.numComputedTokens(), n, Math.max(1, spare));
            int target = s.numComputedTokens() + n;
            while (!blocks.canGrow(s.table(), target) && end - 1 > i) preempt(running.get(--end), preempted);
            if (!blocks.canGrow(s.table(), target)) {
                preempt(s, preempted);
                end = i;
                break;
            }
            blocks.grow(s.table(), target);
            ScheduledChunk c = ScheduledChunk.of(s, s.numComputedTokens(), n);
            chunks.add(c);
            budget -= n;
            rows += c.logitRows();
        }
        if (end < running.size()) running.subList(end, running.size()).clear();
        if (preempted.isEmpty()) admit(chunks, budget, rows);
        ScheduledBatch b = chunks.isEmpty() && preempted.isEmpty() ? ScheduledBatch.EMPTY : new ScheduledBatch(chunks, preempted);
        pending = b.isEmpty() ? null : b;
        return b;
    }

    private void admit(List<ScheduledChunk> chunks, int budget, int rows) {
        while (budget > 0 && !waiting.isEmpty() && running.size() < config.maxNumSeqs()) {
            Sequence s = waiting.peekFirst();
            // a sequence that wants its prompt's rows computes every position they come from
            PrefixMatch match = s.promptRowsFrom() >= 0 ? PrefixMatch.none(0)
                    : blocks.findCachedPrefix(s.table(), s.tokenBuffer(), s.numTokens());
            int cached = match.numBlocks() * config.blockSize();
            int n = Math.min(Math.min(s.numTokens() - cached, config.prefillChunk()), budget);
            int spare = config.maxNumSeqs() - rows
                    - Math.min(waiting.size() - 1, config.maxNumSeqs() - running.size() - 1);
            n = ScheduledChunk.tokensForRows(s, cached, n, Math.max(1, spare));
            int target = cached + n;
            if (!blocks.canAllocate(match, blocks.blocksFor(target))) break;
            waiting.pollFirst();
            blocks.allocate(s.table(), match, blocks.blocksFor(target));
            s.admitted(cached);
            running.add(s);
            ScheduledChunk c = ScheduledChunk.of(s, cached, n);
            chunks.add(c);
            budget -= n;
            rows += c.logitRows();
        }
    }

    /** Frees the sequence's KV and puts it at the front of the waiting queue; the caller removes it from running. */
    private void preempt(Sequence s, List<Sequence> preempted) {
        blocks.release(s.table());
        s.setNumComputedTokens(0);
        s.setStatus(SequenceStatus.WAITING);
        s.countPreemption();
        waiting.addFirst(s);
        preempted.add(s);
    }

    /** After the forward pass of {@code b}: its tokens' KV is in the cache, and its full blocks become reusable. */
    public synchronized void onStepDone(ScheduledBatch b) {
        if (b.isEmpty()) return;
        if (b != pending) throw new IllegalStateException("onStepDone takes the batch that schedule() returned last");
        pending = null;
        for (ScheduledChunk c : b.chunks()) {
            Sequence s = c.seq();
            if (s.status() != SequenceStatus.RUNNING) continue; // finished while the step ran
            if (s.numComputedTokens() != c.startPos()) throw new IllegalStateException("chunk out of step with " + s);
            s.setNumComputedTokens(c.endPos());
            s.promptRowsDone(c.endPos());
            blocks.publish(s.table(), s.tokenBuffer(), c.endPos());
        }
    }

    /** The forward pass of {@code b} failed: nothing advances, so the next step computes the same tokens again. */
    public synchronized void onStepFailed(ScheduledBatch b) {
        if (b.isEmpty()) return;
        if (b != pending) throw new IllegalStateException("onStepFailed takes the batch that schedule() returned last");
        pending = null;
    }

    /** Ends the sequence wherever it is: frees its blocks, status FINISHED. Finishing twice does nothing. */
    public synchronized void finish(Sequence s) {
        switch (s.status()) {
            case FINISHED -> { return; }
            case RUNNING -> {
                if (!running.remove(s)) throw new IllegalArgumentException("not this scheduler's sequence: " + s);
                blocks.release(s.table());
            }
            case WAITING -> {
                if (!waiting.remove(s)) throw new IllegalArgumentException("not this scheduler's sequence: " + s);
            }
        }
        activeIds.remove(s.seqId());
        s.setStatus(SequenceStatus.FINISHED);
    }

    public synchronized boolean hasWork() {
        return !waiting.isEmpty() || !running.isEmpty();
    }

    public synchronized int numWaiting() {
        return waiting.size();
    }

    /** Running and waiting, counted at one instant (two separate reads can straddle a step that moves some). */
    public synchronized int numHeld() {
        return running.size() + waiting.size();
    }

    public synchronized int numRunning() {
        return running.size();
    }

    public synchronized double kvUsage() {
        return blocks.usage();
    }

    /** For metrics and tests; not synchronized, so read it from the engine thread. */
    public BlockManager blockManager() {
        return blocks;
    }
}
