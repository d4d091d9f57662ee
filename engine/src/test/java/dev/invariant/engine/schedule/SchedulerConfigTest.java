package dev.invariant.engine.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import org.junit.jupiter.api.Test;

class SchedulerConfigTest {

    @Test
    void outOfRangeLimitsAreRejectedWithTheirName() {
        assertInvalid("maxNumSeqs", () -> new SchedulerConfig(0, 8, 8, 8, 8, 4, true));
        assertInvalid("maxTokensPerStep", () -> new SchedulerConfig(8, 7, 8, 8, 8, 4, true));
        assertInvalid("prefillChunk", () -> new SchedulerConfig(8, 8, 0, 8, 8, 4, true));
        assertInvalid("maxWaiting", () -> new SchedulerConfig(8, 8, 8, 0, 8, 4, true));
        assertInvalid("numBlocks", () -> new SchedulerConfig(8, 8, 8, 8, 0, 4, true));
        assertInvalid("blockSize", () -> new SchedulerConfig(8, 8, 8, 8, 8, 0, true));
        assertEquals(16, new SchedulerConfig(1, 1, 1, 1, 1, 16, false).blockSize());
    }

    private static void assertInvalid(String mentions, Runnable build) {
        EngineException e = assertThrows(EngineException.class, build::run);
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
