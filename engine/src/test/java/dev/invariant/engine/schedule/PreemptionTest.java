package dev.invariant.engine.schedule;

import static dev.invariant.engine.schedule.SchedulerTest.prompt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreemptionTest {
    private static final int VOCAB = 1000;

    @Test
    void theMostRecentlyAdmittedIsPreemptedAndRecomputesAfterwards() {
        // 6 blocks of 4 = 24 positions; a needs 20, b 16: together they run out while decoding
        var e = new SimulatedEngine(new SchedulerConfig(2, 64, 64, 8, 6, 4, false), VOCAB, -1);
        Sequence a = new Sequence(1, prompt(8, 1), 12);
        Sequence b = new Sequence(2, prompt(8, 2), 8);
        Sequence c = new Sequence(3, prompt(4, 3), 2);
        e.add(a);
        e.add(b);
        e.add(c); // waits: maxNumSeqs = 2
        ScheduledBatch withPreemption = null;
        for (int i = 0; withPreemption == null; i++) {
            assertTrue(i < 100, "no preemption happened");
            ScheduledBatch step = e.step();
            if (!step.preempted().isEmpty()) withPreemption = step;
        }
        assertEquals(List.of(b), withPreemption.preempted());
        assertTrue(withPreemption.chunks().stream().allMatch(ch -> ch.seq() == a), "a keeps running");
        int outputsAtPreemption = b.numOutputTokens();
        assertTrue(outputsAtPreemption > 0);
        assertEquals(SequenceStatus.WAITING, b.status());
        assertEquals(2, e.scheduler.numWaiting());

        // b is back at the front of the queue: it is admitted before c, and recomputes prompt + outputs at once
        ScheduledChunk bBack = null;
        for (int i = 0; bBack == null; i++) {
            assertTrue(i < 100, "b never came back");
            assertFalse(c.status() == SequenceStatus.RUNNING, "c must not overtake the preempted b");
            for (ScheduledChunk ch : e.step().chunks()) if (ch.seq() == b) bBack = ch;
        }
        assertEquals(0, bBack.startPos());
        assertEquals(8 + outputsAtPreemption, bBack.numTokens());
        assertTrue(bBack.wantLogits());
        e.runToCompletion(200);
        assertEquals(1, b.numPreemptions());
        assertEquals(0, a.numPreemptions());
        assertEquals(3, e.finished.size());
        e.checkOutputsMatchReference();
        assertEquals(6, e.scheduler.blockManager().numFreeBlocks());
    }

    @Test
    void aSequenceThatIsItselfTheMostRecentPreemptsItselfNotAnOlderOne() {
        // a prefills in chunks; b is admitted after a's first chunk and then cannot grow while a holds the rest
        var e = new SimulatedEngine(new SchedulerConfig(2, 8, 4, 8, 5, 4, false), VOCAB, -1);
        Sequence a = new Sequence(1, prompt(14, 1), 4);
        Sequence b = new Sequence(2, prompt(9, 2), 3);
        e.add(a);
        e.add(b);
        int stepsWithPreemption = 0;
        while (e.scheduler.hasWork()) {
            ScheduledBatch step = e.step();
            if (!step.preempted().isEmpty()) {
                stepsWithPreemption++;
                assertEquals(List.of(b), step.preempted());
                assertTrue(step.chunks().stream().anyMatch(ch -> ch.seq() == a), "a got its block first");
            }
        }
        assertTrue(stepsWithPreemption > 0);
        assertEquals(0, a.numPreemptions());
        e.checkOutputsMatchReference();
    }

    @Test
    void manySequencesOnATinyPoolAllCompleteWithTheirAloneOutputs() {
        var e = new SimulatedEngine(new SchedulerConfig(6, 12, 5, 32, 8, 2, false), VOCAB, -1);
        for (int i = 0; i < 12; i++) e.add(new Sequence(i, prompt(3 + i % 5, i), 3 + i % 4));
        e.runToCompletion(2000);
        assertEquals(12, e.finished.size());
        assertTrue(e.preemptions > 0, "the pool is small enough to force preemption");
        e.checkOutputsMatchReference();
        assertEquals(0.0, e.scheduler.kvUsage());
    }
}
