package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A submitted request's future cancelled: the engine drops the request before its next step and frees its KV cache,
 * whether it was running, queued, n samples or a beam search; the requests that ran beside it get the bits they get
 * alone, and a cancelled request never counts against the waiting limit.
 */
class CancelTest {
    private static Engine open() {
        return Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1)
                .withBackend(TestAssets.backend()));
    }

    private static Request request(String id, SamplingParams.Builder params) {
        return new Request(id, Prompt.text("Once upon a time"), params.ignoreEos(true).build());
    }

    private static SamplingParams.Builder tokens(int n) {
        return SamplingParams.builder().temperature(0f).maxTokens(n);
    }

    /** Waits until the engine holds no sequence and no KV block. */
    private static void awaitIdle(Engine engine) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((engine.numRunning() > 0 || engine.numWaiting() > 0 || engine.kvUsage() > 0)
                && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertEquals(0, engine.numRunning(), "sequences left running");
        assertEquals(0.0, engine.kvUsage(), "KV blocks left allocated");
    }

    @Test
    void aRunningRequestStopsAtOnceAndItsNeighbourKeepsItsBits() throws Exception {
        try (Engine engine = open()) {
            GenerationResult alone = engine.submit(request("alone", tokens(60)), TokenListener.NONE)
                    .get(60, TimeUnit.SECONDS);
            var heard = new AtomicInteger();
            var long_ = new AtomicReference<CompletableFuture<GenerationResult>>();
            // cancelled from its own listener after 5 tokens, on the engine thread, between two steps (once the
            // future is known here: the engine may reach 5 tokens before submitAll returns)
            var known = new CountDownLatch(1);
            TokenListener cancelAt5 = (id, pos, tok, delta) -> {
                if (heard.incrementAndGet() != 5) return;
                try {
                    assertTrue(known.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                long_.get().cancel(false);
            };
            var futures = engine.submitAll(List.of(new Engine.Submitted(request("long", tokens(480)), cancelAt5),
                    new Engine.Submitted(request("beside", tokens(60)), TokenListener.NONE)));
            long_.set(futures.get(0));
            known.countDown();
            GenerationResult beside = futures.get(1).get(60, TimeUnit.SECONDS);
            assertTrue(futures.get(0).isCancelled());
            assertEquals(5, heard.get(), "no token after the cancel");
            assertArrayEquals(alone.tokenIds(), beside.tokenIds());
            assertEquals(alone.outputHash(), beside.outputHash());
            awaitIdle(engine);
        }
    }

    @Test
    void cancelledSamplesBeamsAndQueuedRequestsAreAllDroppedAndNeverCountAsWaiting() throws Exception {
        try (Engine engine = open()) {
            var futures = new ArrayList<CompletableFuture<GenerationResult>>();
            futures.add(engine.submit(request("samples", tokens(480).temperature(1f).seed(7L).n(3)), TokenListener.NONE));
            futures.add(engine.submit(request("beams", tokens(200).useBeamSearch(true).n(2).bestOf(3)), TokenListener.NONE));
            int limit = engine.config().maxWaiting();
            for (int i = 0; i < limit; i++) futures.add(engine.submit(request("q" + i, tokens(480)), TokenListener.NONE));
            Thread.sleep(50); // some admitted and running, some still queued
            futures.forEach(f -> f.cancel(false));
            awaitIdle(engine);
            assertTrue(engine.canAccept(), "cancelled requests still counted as waiting");
            GenerationResult after = engine.submit(request("after", tokens(4)), TokenListener.NONE)
                    .get(60, TimeUnit.SECONDS);
            assertTrue(after.ok(), () -> after.error().describe());
            awaitIdle(engine);
        }
    }
}
