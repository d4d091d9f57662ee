package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.kv.BlockManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The engine loop of the real engine (schedule, forward, onStepDone, sample, finish) over {@link SimulatedKv},
 * checking the scheduler's invariants after every step.
 */
final class SimulatedEngine {
    final Scheduler scheduler;
    final SchedulerConfig config;
    final SimulatedKv kv;
    final int vocab;
    final int eos;
    /** Sequences added and not finished, by id. */
    final Map<Long, Sequence> live = new LinkedHashMap<>();
    final List<Sequence> finished = new ArrayList<>();
    final List<ScheduledBatch> history = new ArrayList<>();
    /** Per sequence that wants its prompt's rows, the prompt positions whose rows came back, in order. */
    final Map<Long, List<Integer>> promptRows = new HashMap<>();
    long preemptions;

    SimulatedEngine(SchedulerConfig config, int vocab, int eos) {
        this.config = config;
        this.scheduler = new Scheduler(config);
        this.kv = new SimulatedKv(scheduler.blockManager(), vocab);
        this.vocab = vocab;
        this.eos = eos;
    }

    void add(Sequence s) {
        scheduler.add(s);
        live.put(s.seqId(), s);
    }

    /** One step; returns the batch it ran. */
    ScheduledBatch step() {
        ScheduledBatch b = scheduler.schedule();
        checkBatch(b);
        int[] next = kv.forward(b.seqChunks());
        scheduler.onStepDone(b);
        for (ScheduledChunk c : b.chunks()) {
            for (int pos = c.endPos() - c.logitRows(); pos < c.endPos(); pos++) {
                if (pos < c.seq().promptLength() - 1) promptRows.computeIfAbsent(c.seq().seqId(), k -> new ArrayList<>()).add(pos);
            }
        }
        for (int i = 0; i < next.length; i++) {
            Sequence s = b.chunks().get(i).seq();
            if (next[i] < 0 || !b.chunks().get(i).wantLogits()) continue; // a prompt row: nothing to sample
            assertEquals(s.numTokens(), s.numComputedTokens(), "after a logits chunk everything known is computed");
            s.appendToken(next[i]);
            if (s.reachedMaxTokens() || next[i] == eos) {
                scheduler.finish(s);
                live.remove(s.seqId());
                finished.add(s);
            }
        }
        preemptions += b.preempted().size();
        history.add(b);
        checkAccounting();
        return b;
    }

    /** Steps until no work is left; fails if that takes more than {@code maxSteps}. */
    void runToCompletion(int maxSteps) {
        for (int i = 0; scheduler.hasWork(); i++) {
            assertTrue(i < maxSteps, "no progress after " + maxSteps + " steps");
            step();
        }
    }

    private void checkBatch(ScheduledBatch b) {
        assertTrue(b.numTokens() <= config.maxTokensPerStep(), "token budget");
        assertTrue(b.numLogitRows() <= config.maxNumSeqs(), "logits rows: " + b.numLogitRows());
        assertTrue(scheduler.numRunning() <= config.maxNumSeqs(), "maxNumSeqs");
        BlockManager bm = scheduler.blockManager();
        Set<Long> seen = new HashSet<>();
        for (ScheduledChunk c : b.chunks()) {
            Sequence s = c.seq();
            assertTrue(seen.add(s.seqId()), "a sequence appears once per batch");
            assertEquals(SequenceStatus.RUNNING, s.status());
            assertEquals(s.numComputedTokens(), c.startPos(), "a chunk continues where the KV ends");
            assertTrue(c.numTokens() <= config.prefillChunk(), "prefill chunk bound");
            assertEquals(c.endPos() == s.numTokens(), c.wantLogits(), "logits exactly at the last known token");
            assertEquals(bm.blocksFor(c.endPos()), s.blockTable().length, "blocks allocated as the sequence grows");
        }
        for (Sequence p : b.preempted()) {
            assertEquals(SequenceStatus.WAITING, p.status());
            assertEquals(0, p.numComputedTokens());
            assertEquals(0, p.blockTable().length);
            assertTrue(!seen.contains(p.seqId()), "a preempted sequence is not scheduled in the same step");
        }
    }

    /** Every block's ref count equals the number of live tables holding it; free + held = all. */
    void checkAccounting() {
        BlockManager bm = scheduler.blockManager();
        Map<Integer, Integer> holders = new HashMap<>();
        int running = 0;
        for (Sequence s : live.values()) {
            if (s.status() == SequenceStatus.RUNNING) running++;
            else assertEquals(0, s.blockTable().length, "only running sequences hold blocks");
            for (int id : s.blockTable()) holders.merge(id, 1, Integer::sum);
        }
        assertEquals(running, scheduler.numRunning());
        assertEquals(live.size() - running, scheduler.numWaiting());
        for (int id = 0; id < bm.numBlocks(); id++) {
            assertEquals(holders.getOrDefault(id, 0), bm.refCount(id), "ref count of block " + id);
        }
        assertEquals(bm.numBlocks() - holders.size(), bm.numFreeBlocks());
        assertEquals((double) holders.size() / bm.numBlocks(), scheduler.kvUsage(), 1e-12);
    }

    /** Every finished sequence generated exactly what it generates alone. */
    void checkOutputsMatchReference() {
        for (Sequence s : finished) {
            int[] prompt = Arrays.copyOf(s.tokens(), s.promptLength());
            assertArrayEquals(
                    SimulatedKv.reference(prompt, s.maxTokens(), vocab, eos), s.outputTokens(), "output of " + s);
        }
    }
}
