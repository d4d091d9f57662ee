package dev.invariant.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AdmissionTest {

    @Test
    void beyondTheLimitCallersWaitAndAPermitGoesToTheOldestWaiter() {
        var a = new Admission(2);
        assertTrue(a.acquire().isDone());
        assertTrue(a.acquire().isDone());
        CompletableFuture<Void> third = a.acquire();
        CompletableFuture<Void> fourth = a.acquire();
        assertFalse(third.isDone(), "the third request must wait: the engine is full");
        assertFalse(a.tryAcquire(), "HTTP callers are refused while full");
        assertEquals(2, a.inFlight());

        a.release();
        assertTrue(third.isDone(), "a released permit goes straight to the oldest waiter");
        assertFalse(fourth.isDone());
        assertEquals(2, a.inFlight(), "handing a permit over keeps the count at the limit");

        a.release();
        a.release();
        assertTrue(fourth.isDone());
        assertEquals(1, a.inFlight());
        assertTrue(a.tryAcquire());
        assertEquals(2, a.inFlight());
    }

    @Test
    void afterCloseNothingIsAdmitted() {
        var a = new Admission(1);
        assertTrue(a.acquire().isDone());
        CompletableFuture<Void> waiting = a.acquire();
        a.close();
        a.release();
        assertFalse(waiting.isDone(), "a closing worker admits nothing more");
        assertFalse(a.acquire().isDone());
        assertFalse(a.tryAcquire());
    }
}
