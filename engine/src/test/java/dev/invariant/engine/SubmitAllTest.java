package dev.invariant.engine;

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
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#submitAll}: requests submitted together start in the same step, whether the engine thread is parked
 * (requests submitted one by one, each waking it, are sometimes split over two steps: seen within 20 rounds) or busy
 * stepping other work.
 */
class SubmitAllTest {
    private static final int GROUP = 16;
    private static final int ROUNDS = 5;
    private static final int IDLE_ROUNDS = 100;

    private static Engine open() {
        return Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1));
    }

    private static Request request(String id, int maxTokens) {
        return new Request(id, Prompt.text("Once upon a time"),
                SamplingParams.builder().maxTokens(maxTokens).ignoreEos(true).build());
    }

    @Test
    void requestsSubmittedTogetherShareEveryStepWhileTheEngineIsBusy() throws Exception {
        try (Engine engine = open()) {
            for (int round = 0; round < ROUNDS; round++) {
                // A long request keeps the engine thread stepping; the group is submitted once it has started.
                var started = new CountDownLatch(1);
                TokenListener firstToken = (id, pos, tok, delta) -> started.countDown();
                CompletableFuture<GenerationResult> background = engine.submit(request("bg-" + round, 400),
                        firstToken);
                assertTrue(started.await(30, TimeUnit.SECONDS), "the background request started");

                var group = new ArrayList<Engine.Submitted>();
                for (int k = 0; k < GROUP; k++) {
                    group.add(new Engine.Submitted(request("g-" + round + "-" + k, 8), TokenListener.NONE));
                }
                List<CompletableFuture<GenerationResult>> futures = engine.submitAll(group);
                assertEquals(GROUP, futures.size());
                for (int k = 0; k < GROUP; k++) {
                    GenerationResult r = futures.get(k).get(60, TimeUnit.SECONDS);
                    assertTrue(r.ok(), () -> r.error().describe());
                    assertEquals("g-" + round + "-" + k, r.requestId(), "futures in request order");
                    // Every step of a group member ran the whole group, with the background request or without
                    // it once that finished: never a part of the group.
                    for (int size : r.batchSizes()) {
                        assertTrue(size == GROUP || size == GROUP + 1, "round " + round + ", request " + k
                                + " ran in steps of " + r.batchSizes() + ": the group did not start together");
                    }
                }
                assertTrue(background.get(60, TimeUnit.SECONDS).ok());
            }
        }
    }

    @Test
    void requestsSubmittedTogetherToAnIdleEngineShareEveryStep() throws Exception {
        try (Engine engine = open()) {
            for (int round = 0; round < IDLE_ROUNDS; round++) {
                var group = new ArrayList<Engine.Submitted>();
                for (int k = 0; k < GROUP; k++) {
                    group.add(new Engine.Submitted(request("i-" + round + "-" + k, 4), TokenListener.NONE));
                }
                // The engine thread is parked (the previous round finished): woken once, it finds the whole group.
                for (CompletableFuture<GenerationResult> f : engine.submitAll(group)) {
                    GenerationResult r = f.get(60, TimeUnit.SECONDS);
                    assertTrue(r.ok(), () -> r.error().describe());
                    assertEquals(List.of(GROUP), r.batchSizes(), "round " + round + ", " + r.requestId());
                }
            }
        }
    }

    @Test
    void eachRequestMeetsTheAdmissionRulesOfSubmit() throws Exception {
        Engine engine = open();
        engine.close();
        var futures = engine.submitAll(List.of(new Engine.Submitted(request("late-1", 4), TokenListener.NONE),
                new Engine.Submitted(request("late-2", 4), TokenListener.NONE)));
        assertEquals(2, futures.size());
        for (int k = 0; k < 2; k++) {
            GenerationResult r = futures.get(k).get(1, TimeUnit.SECONDS);
            assertEquals("late-" + (k + 1), r.requestId());
            assertEquals(ErrorCode.OVERLOADED, r.error().code(), "a closed engine refuses each request");
        }
        assertEquals(List.of(), engine.submitAll(List.of()));
    }
}
