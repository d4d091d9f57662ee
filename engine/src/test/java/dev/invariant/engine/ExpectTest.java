package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#expect}: the engine thread, woken before the work is submitted, waits for it awake for a moment,
 * then parks again when nothing came; work submitted in the meantime runs as any other.
 */
class ExpectTest {
    private static final int ROUNDS = 20;

    @Test
    void anAnnouncedEngineWaitsAwakeThenParksAgain() throws Exception {
        try (Engine engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString())
                .withThreads(1))) {
            assertTrue(engine.submit(request("first"), TokenListener.NONE).get(60, TimeUnit.SECONDS).ok());
            var awake = new ArrayList<Long>();
            for (int i = 0; i < ROUNDS; i++) {
                awaitParked(engine);
                engine.expect();
                if (!seen(engine, Thread.State.RUNNABLE, 50)) continue;
                long seenAwake = System.nanoTime();
                assertTrue(seen(engine, Thread.State.TIMED_WAITING, 10_000), "the engine thread did not park again");
                awake.add(System.nanoTime() - seenAwake);
            }
            assertTrue(awake.size() >= ROUNDS / 2, "seen awake after expect() in only " + awake.size() + " of " + ROUNDS);
            // From first seen awake to parked again: most of the wait (it counts from the waking, a little earlier).
            // Woken without the wait, the thread would park again within microseconds.
            Collections.sort(awake);
            long median = awake.get(awake.size() / 2);
            assertTrue(median >= Engine.EXPECT_SPIN_NANOS / 2, "awake for " + median / 1000 + " us (median) after"
                    + " expect(), not the " + Engine.EXPECT_SPIN_NANOS / 1000 + " us wait: " + awake);
        }
    }

    @Test
    void workSubmittedAfterExpectRunsAndMatchesUnannouncedWork() throws Exception {
        try (Engine engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString())
                .withThreads(1))) {
            GenerationResult plain = engine.submit(request("a"), TokenListener.NONE).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < ROUNDS; i++) {
                awaitParked(engine);
                engine.expect();
                GenerationResult announced = engine.submit(request("a"), TokenListener.NONE).get(60, TimeUnit.SECONDS);
                assertTrue(announced.ok(), () -> announced.error().describe());
                assertEquals(plain.outputHash(), announced.outputHash());
            }
            awaitParked(engine);
        }
    }

    @Test
    void closeEndsTheWaitAtOnce() throws Exception {
        Engine engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1));
        engine.expect();
        long start = System.nanoTime();
        engine.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close() waited for the engine thread");
        assertEquals(Thread.State.TERMINATED, engine.loopState());
    }

    /**
     * Watches the engine thread for up to {@code ms} milliseconds: whether it was seen in {@code state}. Looks every
     * few microseconds without spinning, so as not to hold a core the engine thread needs.
     */
    private static boolean seen(Engine engine, Thread.State state, long ms) {
        long until = System.nanoTime() + ms * 1_000_000L;
        while (System.nanoTime() < until) {
            if (engine.loopState() == state) return true;
            LockSupport.parkNanos(10_000);
        }
        return false;
    }

    private static void awaitParked(Engine engine) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (engine.loopState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < until, "the engine thread did not park again: " + engine.loopState());
            Thread.sleep(1);
        }
    }

    private static Request request(String id) {
        return new Request(id, Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(2).ignoreEos(true).build());
    }
}
