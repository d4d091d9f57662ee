package dev.invariant.engine.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Several logits rows per chunk: each chunk's trailing positions, in order. */
class StepBatchTest {

    @Test
    void everyWantedRowIsListedWithItsChunk() {
        StepBatch b = StepBatch.of(List.of(
                new SeqChunk(1, new int[] {1, 2, 3, 4}, 0, new int[] {0}, 3),
                new SeqChunk(2, new int[] {5, 6}, 0, new int[] {1}, false),
                new SeqChunk(3, new int[] {7}, 4, new int[] {2, 3}, true),
                new SeqChunk(4, new int[] {8, 9}, 0, new int[] {4}, 2)), 16, 4, 8);
        assertArrayEquals(new int[] {1, 2, 3, 6, 7, 8}, b.logitTokens());
        assertArrayEquals(new int[] {0, 0, 0, 2, 3, 3}, b.logitChunks());
        assertArrayEquals(new int[] {0, 1, 2, 3, 0, 1, 4, 0, 1}, b.positions());
    }

    @Test
    void theBooleanConstructorWantsTheLastRowOrNone() {
        SeqChunk yes = new SeqChunk(1, new int[] {1, 2}, 0, new int[] {0}, true);
        SeqChunk no = new SeqChunk(1, new int[] {1, 2}, 0, new int[] {0}, false);
        assertEquals(1, yes.logitRows());
        assertTrue(yes.wantLogits());
        assertEquals(0, no.logitRows());
        assertFalse(no.wantLogits());
        assertThrows(IllegalArgumentException.class, () -> new SeqChunk(1, new int[] {1, 2}, 0, new int[] {0}, 3));
        assertThrows(IllegalArgumentException.class, () -> new SeqChunk(1, new int[] {1}, 0, new int[] {0}, -1));
    }
}
