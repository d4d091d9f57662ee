package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final int VOCAB = 1000;
    private static final int NO_EOS = -1;

    static int[] prompt(int length, int salt) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) p[i] = 1 + (i * 7 + salt * 13) % (VOCAB - 1);
        return p;
    }

    /** "start+n" or "start+n!" (with logits) per chunk of {@code seq} in each step. */
    private static String shape(ScheduledBatch b, Sequence seq) {
        for (ScheduledChunk c : b.chunks()) {
            if (c.seq() == seq) return c.startPos() + "+" + c.numTokens() + (c.wantLogits() ? "!" : "");
        }
        return "-";
    }

    @Test
    void chunkedPrefillProgressesExactlyThenDecodes() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 64, 7, 8, 64, 4, false), VOCAB, NO_EOS);
        Sequence s = new Sequence(1, prompt(30, 1), 3);
        e.add(s);
        List<String> shapes = new ArrayList<>();
        while (e.scheduler.hasWork()) shapes.add(shape(e.step(), s));
        assertEquals(List.of("0+7", "7+7", "14+7", "21+7", "28+2!", "30+1!", "31+1!"), shapes);
        assertEquals(3, s.numOutputTokens());
        assertEquals(SequenceStatus.FINISHED, s.status());
        e.checkOutputsMatchReference();
    }

    @Test
    void tokenBudgetIsSharedAcrossSequencesInAdmissionOrder() {
        var e = new SimulatedEngine(new SchedulerConfig(4, 10, 8, 8, 64, 4, false), VOCAB, NO_EOS);
        Sequence a = new Sequence(1, prompt(12, 1), 2);
        Sequence b = new Sequence(2, prompt(5, 2), 2);
        e.add(a);
        e.add(b);
        ScheduledBatch s1 = e.step();
        assertEquals("0+8", shape(s1, a));
        assertEquals("0+2", shape(s1, b));
        ScheduledBatch s2 = e.step();
        assertEquals("8+4!", shape(s2, a));
        assertEquals("2+3!", shape(s2, b));
        ScheduledBatch s3 = e.step();
        assertEquals("12+1!", shape(s3, a));
        assertEquals("5+1!", shape(s3, b));
        assertFalse(e.scheduler.hasWork());
        e.checkOutputsMatchReference();
    }

    @Test
    void maxNumSeqsBoundsRunningAndSequencesJoinAndLeaveMidFlight() {
        var e = new SimulatedEngine(new SchedulerConfig(2, 64, 64, 8, 64, 4, false), VOCAB, NO_EOS);
        Sequence a = new Sequence(1, prompt(5, 1), 10);
        Sequence b = new Sequence(2, prompt(6, 2), 3);
        Sequence c = new Sequence(3, prompt(7, 3), 4);
        e.add(a);
        e.add(b);
        e.add(c);
        e.step();
        assertEquals(2, e.scheduler.numRunning());
        assertEquals(1, e.scheduler.numWaiting());
        assertEquals(3, e.scheduler.numHeld());
        assertEquals(SequenceStatus.WAITING, c.status());
        e.step();
        e.step(); // b has its 3 tokens and leaves
        assertEquals(SequenceStatus.FINISHED, b.status());
        ScheduledBatch next = e.step();
        assertEquals("0+7!", shape(next, c), "c joins as soon as b left");
        assertEquals("7+1!", shape(next, a), "a keeps decoding alongside");
        e.runToCompletion(100);
        assertEquals(List.of(b, c, a), e.finished);
        e.checkOutputsMatchReference();
        assertEquals(0.0, e.scheduler.kvUsage());
        assertEquals(64, e.scheduler.blockManager().numFreeBlocks());
    }

    @Test
    void aFullWaitingQueueRefusesWithOverloaded() {
        Scheduler s = new Scheduler(new SchedulerConfig(1, 8, 8, 2, 16, 4, false));
        s.add(new Sequence(1, prompt(3, 1), 2));
        s.add(new Sequence(2, prompt(3, 2), 2));
        assertFalse(s.canAdmit());
        EngineException e = assertThrows(EngineException.class, () -> s.add(new Sequence(3, prompt(3, 3), 2)));
        assertEquals(ErrorCode.OVERLOADED, e.code());
        assertTrue(e.getMessage().contains("retry"), e.getMessage());
        s.onStepDone(s.schedule()); // admits one: the queue has room again
        assertTrue(s.canAdmit());
        s.add(new Sequence(3, prompt(3, 3), 2));
        assertEquals(2, s.numWaiting());
    }

    @Test
    void aSequenceThatCanNeverFitIsRefusedUpFront() {
        Scheduler s = new Scheduler(new SchedulerConfig(2, 8, 8, 8, 4, 4, false));
        assertTrue(s.fits(16));
        assertFalse(s.fits(17));
        EngineException e = assertThrows(EngineException.class, () -> s.add(new Sequence(1, prompt(10, 1), 7)));
        assertEquals(ErrorCode.KV_CACHE_TOO_SMALL, e.code());
        s.add(new Sequence(2, prompt(10, 1), 6));
        assertEquals(1, s.numWaiting());
    }

    @Test
    void badSequencesAndMisuseAreRejected() {
        assertEquals(ErrorCode.EMPTY_PROMPT, assertThrows(EngineException.class, () -> new Sequence(1, new int[0], 4)).code());
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> new Sequence(1, prompt(3, 1), 0)).code());
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> new Sequence(1, new int[] {-1}, 4)).code());
        Scheduler s = new Scheduler(new SchedulerConfig(2, 8, 8, 8, 16, 4, false));
        s.add(new Sequence(7, prompt(3, 1), 2));
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> s.add(new Sequence(7, prompt(3, 2), 2))).code());
        ScheduledBatch b = s.schedule();
        assertThrows(IllegalStateException.class, s::schedule, "a batch is pending");
        s.onStepDone(b);
        assertThrows(IllegalStateException.class, () -> s.onStepDone(b));
    }

    @Test
    void aFailedStepIsScheduledAgain() {
        Scheduler s = new Scheduler(new SchedulerConfig(2, 8, 8, 8, 16, 4, false));
        Sequence q = new Sequence(1, prompt(5, 1), 2);
        s.add(q);
        ScheduledBatch b = s.schedule();
        s.onStepFailed(b);
        ScheduledBatch again = s.schedule();
        assertEquals(b.chunks(), again.chunks());
        assertEquals(0, q.numComputedTokens());
    }

    @Test
    void finishingAWaitingOrRunningSequenceFreesEverything() {
        var e = new SimulatedEngine(new SchedulerConfig(1, 8, 8, 8, 16, 4, true), VOCAB, NO_EOS);
        Sequence a = new Sequence(1, prompt(6, 1), 5);
        Sequence b = new Sequence(2, prompt(6, 2), 5);
        e.add(a);
        e.add(b);
        e.step();
        e.scheduler.finish(b); // cancelled while waiting
        e.scheduler.finish(a); // cancelled while running
        e.scheduler.finish(a); // again: nothing happens
        assertEquals(SequenceStatus.FINISHED, b.status());
        assertFalse(e.scheduler.hasWork());
        assertEquals(0.0, e.scheduler.kvUsage());
        assertEquals(0, a.blockTable().length);
        assertThrows(IllegalStateException.class, () -> a.appendToken(3));
    }

    @Test
    void emptySchedulerGivesEmptyBatches() {
        Scheduler s = new Scheduler(new SchedulerConfig(2, 8, 8, 8, 16, 4, false));
        ScheduledBatch b = s.schedule();
        assertTrue(b.isEmpty());
        assertTrue(b.seqChunks().isEmpty());
        s.onStepDone(b);
        assertTrue(s.schedule().isEmpty());
    }
}
