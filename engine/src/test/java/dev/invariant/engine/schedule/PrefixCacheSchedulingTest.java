package dev.invariant.engine.schedule;

import static dev.invariant.engine.schedule.SchedulerTest.prompt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.kv.BlockManager;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PrefixCacheSchedulingTest {
    private static final int VOCAB = 1000;

    private static ScheduledChunk chunkOf(ScheduledBatch b, Sequence s) {
        return b.chunks().stream().filter(c -> c.seq() == s).findFirst().orElseThrow();
    }

    @Test
    void aRepeatedPromptReusesAllButItsLastTokenAndGetsTheSameOutput() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 64, 8, 32, 4, true), VOCAB, -1);
        Sequence first = new Sequence(1, prompt(12, 1), 6);
        e.add(first);
        e.runToCompletion(100);
        Sequence again = new Sequence(2, prompt(12, 1), 6);
        e.add(again);
        ScheduledChunk c = chunkOf(e.step(), again);
        // 12 tokens = 3 full blocks, but one token must be computed for logits: 2 blocks reused
        assertEquals(8, c.startPos());
        assertEquals(4, c.numTokens());
        assertEquals(8, again.numCachedTokens());
        assertEquals(0, first.numCachedTokens());
        e.runToCompletion(100);
        assertArrayEquals(first.outputTokens(), again.outputTokens());
        BlockManager bm = e.scheduler.blockManager();
        assertEquals(12 + 12, bm.prefixCacheQueries());
        assertEquals(8, bm.prefixCacheHits());
        e.checkOutputsMatchReference();
    }

    @Test
    void runningSequencesShareTheirCommonPrefixBlocks() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 64, 8, 32, 4, true), VOCAB, -1);
        int[] common = prompt(9, 5);
        Sequence a = new Sequence(1, common, 8);
        e.add(a);
        e.step();
        int[] bPrompt = Arrays.copyOf(common, 14);
        for (int i = 9; i < 14; i++) bPrompt[i] = 900 + i;
        Sequence b = new Sequence(2, bPrompt, 8);
        e.add(b);
        ScheduledChunk c = chunkOf(e.step(), b);
        assertEquals(8, c.startPos());
        int[] ta = a.blockTable(), tb = b.blockTable();
        assertEquals(ta[0], tb[0]);
        assertEquals(ta[1], tb[1]);
        assertTrue(ta[2] != tb[2]);
        assertEquals(2, e.scheduler.blockManager().refCount(ta[0]));
        e.runToCompletion(100); // SimulatedKv fails if anyone writes into a shared block
        e.checkOutputsMatchReference();
    }

    @Test
    void aPreemptedSequenceReusesItsOwnCachedBlocksWhenTheySurvive() {
        var e = new SimulatedEngine(new SchedulerConfig(2, 64, 64, 8, 7, 4, true), VOCAB, -1);
        Sequence a = new Sequence(1, prompt(8, 1), 16);
        Sequence b = new Sequence(2, prompt(9, 2), 10);
        e.add(a);
        e.add(b);
        ScheduledChunk back = null;
        for (int i = 0; back == null; i++) {
            assertTrue(i < 100, "b was never preempted and re-admitted");
            ScheduledBatch step = e.step();
            for (ScheduledChunk ch : step.chunks()) if (ch.seq() == b && b.numPreemptions() > 0) back = ch;
        }
        assertTrue(back.startPos() > 0, "recompute starts after b's surviving cached blocks");
        e.runToCompletion(200);
        e.checkOutputsMatchReference();
    }

    @Test
    void hitOrMissTheOutputsAreTheSame() {
        int[][] prompts = new int[10][];
        int[] base = prompt(20, 9);
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = Arrays.copyOf(base, 8 + 2 * i);
            prompts[i][prompts[i].length - 1] = 500 + i % 3;
        }
        int[][][] outputs = new int[2][prompts.length][];
        for (int caching = 0; caching < 2; caching++) {
            var e = new SimulatedEngine(new SchedulerConfig(3, 16, 6, 16, 24, 4, caching == 1), VOCAB, -1);
            Sequence[] seqs = new Sequence[prompts.length];
            for (int i = 0; i < prompts.length; i++) e.add(seqs[i] = new Sequence(i, prompts[i], 5));
            e.runToCompletion(500);
            for (int i = 0; i < prompts.length; i++) outputs[caching][i] = seqs[i].outputTokens();
            if (caching == 1) assertTrue(e.scheduler.blockManager().prefixCacheHits() > 0);
        }
        for (int i = 0; i < prompts.length; i++) assertArrayEquals(outputs[0][i], outputs[1][i]);
    }
}
