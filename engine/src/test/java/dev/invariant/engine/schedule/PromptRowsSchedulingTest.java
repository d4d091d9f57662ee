package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A sequence that wants its prompt's rows (prompt log-probabilities): whole prompt, row cap, no row twice. */
class PromptRowsSchedulingTest {
    private static final int VOCAB = 1000;
    private static final int NO_EOS = -1;

    private static List<Integer> upTo(int n) {
        return IntStream.range(0, n).boxed().toList();
    }

    private static ScheduledChunk chunkOf(ScheduledBatch b, Sequence s) {
        return b.chunks().stream().filter(c -> c.seq() == s).findFirst().orElse(null);
    }

    @Test
    void rowsOfEveryPromptPositionWithinTheCapOfMaxNumSeqs() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 32, 8, 64, 4, false), VOCAB, NO_EOS);
        Sequence a = new Sequence(1, SchedulerTest.prompt(30, 1), 3, true);
        Sequence b = new Sequence(2, SchedulerTest.prompt(5, 2), 3);
        Sequence c = new Sequence(3, SchedulerTest.prompt(6, 3), 3);
        e.add(a);
        e.add(b);
        e.add(c);
        ScheduledBatch first = e.step();
        // b and c may still join the step: each keeps a row, a takes the other two
        assertEquals(2, chunkOf(first, a).numTokens());
        assertEquals(2, chunkOf(first, a).logitRows());
        assertEquals(4, first.numLogitRows());
        List<Integer> aTokens = new ArrayList<>();
        while (e.scheduler.hasWork()) {
            ScheduledBatch s = e.step();
            ScheduledChunk ca = chunkOf(s, a);
            if (ca != null && ca.endPos() <= 30) aTokens.add(ca.numTokens());
        }
        assertTrue(aTokens.stream().anyMatch(n -> n == 4), "a alone takes all 4 rows: " + aTokens);
        assertEquals(upTo(29), e.promptRows.get(1L), "rows 0..P-2 once each, in order");
        assertEquals(null, e.promptRows.get(2L), "b wants no prompt rows");
        e.checkOutputsMatchReference();
    }

    @Test
    void aPromptRowsSequenceTakesNoCachedPrefixButPublishesItsBlocks() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 64, 8, 64, 4, true), VOCAB, NO_EOS);
        int[] prompt = SchedulerTest.prompt(17, 4);
        e.add(new Sequence(1, prompt, 1));
        e.runToCompletion(20);
        Sequence rows = new Sequence(2, prompt, 1, true);
        e.add(rows);
        ScheduledBatch s = e.step();
        assertEquals(0, rows.numCachedTokens());
        assertEquals(0, chunkOf(s, rows).startPos());
        e.runToCompletion(20);
        assertEquals(upTo(16), e.promptRows.get(2L));
        Sequence plain = new Sequence(3, prompt, 1);
        e.add(plain);
        e.step();
        assertEquals(16, plain.numCachedTokens(), "the cached prefix is there for others");
        e.runToCompletion(20);
        e.checkOutputsMatchReference();
    }

    @Test
    void aRecomputeAfterPreemptionAsksForNoRowTwice() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 4, 8, 6, 4, false), VOCAB, NO_EOS);
        Sequence a = new Sequence(1, SchedulerTest.prompt(4, 1), 20);
        Sequence b = new Sequence(2, SchedulerTest.prompt(20, 2), 1, true);
        e.add(a);
        e.add(b);
        int rowsAtPreemption = -1;
        for (int i = 0; e.scheduler.hasWork() && i < 200; i++) {
            ScheduledBatch s = e.step();
            if (s.preempted().contains(b) && rowsAtPreemption < 0) rowsAtPreemption = b.promptRowsFrom();
            ScheduledChunk cb = chunkOf(s, b);
            if (cb != null && rowsAtPreemption > 0 && cb.startPos() == 0) {
                assertEquals(cb.endPos() <= rowsAtPreemption ? 0 : cb.endPos() - rowsAtPreemption, cb.logitRows(),
                        "the recompute asks only for rows not handed out");
            }
        }
        assertTrue(rowsAtPreemption > 0, "b was preempted in the middle of its prompt: " + rowsAtPreemption);
        assertEquals(upTo(19), e.promptRows.get(2L), "rows 0..P-2 once each, in order");
        e.checkOutputsMatchReference();
    }
}
