package dev.invariant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class IdleClockTest {
    @Test
    void anAssignmentRestartsTheIdleTimeAndARevocationDoesNot() {
        long[] lastSeen = {0L};
        var listener = IdleClock.restartOnAssignment(lastSeen);
        listener.onPartitionsRevoked(List.of(new TopicPartition("t", 0)));
        assertEquals(0L, lastSeen[0], "a revocation leaves the idle time alone");
        long before = System.nanoTime();
        listener.onPartitionsAssigned(List.of(new TopicPartition("t", 0)));
        assertTrue(lastSeen[0] >= before, "the idle time starts again at the assignment");
    }
}
