package dev.invariant.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OffsetsTest {

    @Test
    void theCommittableOffsetStopsAtTheFirstRecordNotDone() {
        var o = new Offsets();
        assertEquals(-1, o.toCommit(), "nothing polled: nothing to commit");
        o.taken(5);
        o.taken(6);
        o.taken(7);
        assertEquals(5, o.toCommit(), "nothing done: only up to the first record");
        o.done(6);
        o.done(7);
        assertEquals(5, o.toCommit(), "later records done out of order do not move it past 5");
        assertTrue(o.busy());
        o.done(5);
        assertEquals(8, o.toCommit());
        assertFalse(o.busy());
    }

    @Test
    void whatWasCommittedIsNotCommittedAgain() {
        var o = new Offsets();
        o.taken(0);
        o.done(0);
        assertEquals(1, o.toCommit());
        o.committed(1);
        assertEquals(-1, o.toCommit());
        o.taken(1);
        assertEquals(-1, o.toCommit(), "record 1 not done: offset 1 is already committed");
        o.done(1);
        assertEquals(2, o.toCommit());
    }
}
