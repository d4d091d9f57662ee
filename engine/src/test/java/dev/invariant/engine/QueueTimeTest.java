package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request's queue time counts from {@link Engine#submit}, not from the moment the engine thread takes it: the
 * time it waits for that thread (woken from a park, or busy with a step) is the engine's, and the worker's
 * timings have no other place for it (docs/benchmarks.md).
 */
class QueueTimeTest {
    private static final long HOLD_MS = 300;

    @Test
    void queueTimeIncludesWaitingForTheEngineThread() throws Exception {
        try (Engine engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString())
                .withThreads(1))) {
            // The first request holds the engine thread in its token listener (called on that thread).
            var holding = new CountDownLatch(1);
            TokenListener hold = (id, pos, tok, delta) -> {
                if (pos != 0) return;
                holding.countDown();
                try {
                    Thread.sleep(HOLD_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            CompletableFuture<GenerationResult> first = engine.submit(request("hold"), hold);
            assertTrue(holding.await(30, TimeUnit.SECONDS), "the first request reached its first token");
            long submitted = System.nanoTime();
            GenerationResult second = engine.submit(request("waits"), TokenListener.NONE).get(60, TimeUnit.SECONDS);
            double waitedMs = (System.nanoTime() - submitted) / 1e6;
            assertTrue(first.get(60, TimeUnit.SECONDS).ok());
            assertTrue(second.ok(), () -> second.error().describe());
            // It waited for the rest of the hold before the engine thread could take it.
            assertTrue(second.timings().queueMs() >= HOLD_MS / 2.0, "queue_ms " + second.timings().queueMs()
                    + " of a request that waited " + waitedMs + " ms, most of it for the engine thread");
            assertTrue(second.timings().queueMs() <= waitedMs, "queue_ms " + second.timings().queueMs()
                    + " longer than the whole wait, " + waitedMs + " ms");
        }
    }

    private static Request request(String id) {
        return new Request(id, Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(2).ignoreEos(true).build());
    }
}
