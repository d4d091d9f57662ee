package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#submitAllAndStep}: on an idle engine the caller runs the first step itself and the engine thread
 * only what is left; the results are those of {@link Engine#submit}; and however the caller and the engine thread
 * (and other submitters) meet, one step runs at a time.
 */
class SubmitAndStepTest {
    private static final String[] PROMPTS = {"Once upon a time", "The little dog", "A girl named Lily"};

    private static Engine open() {
        return Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString()).withThreads(1));
    }

    private static Request request(String id, int prompt, int maxTokens) {
        return new Request(id, Prompt.text(PROMPTS[prompt]),
                SamplingParams.builder().maxTokens(maxTokens).ignoreEos(true).build());
    }

    private static GenerationResult get(CompletableFuture<GenerationResult> f) throws Exception {
        GenerationResult r = f.get(60, TimeUnit.SECONDS);
        assertTrue(r.ok(), () -> r.error().describe());
        return r;
    }

    @Test
    void anIdleEngineLetsTheCallerRunTheFirstStepAndTheEngineThreadTheRest() throws Exception {
        int inline = 0;
        try (Engine engine = open()) {
            for (int round = 0; round < 20; round++) {
                // The engine thread parks once the previous round's last step is done (it holds the stepper until
                // then, and a submission finding it busy wakes it instead): a moment for it to get there.
                Thread.sleep(5);
                Map<Integer, String> threadOf = new ConcurrentHashMap<>();
                TokenListener where = (id, pos, tok, delta) -> threadOf.put(pos, Thread.currentThread().getName());
                var group = new ArrayList<Engine.Submitted>();
                group.add(new Engine.Submitted(request("one-" + round, 0, 1), TokenListener.NONE));
                group.add(new Engine.Submitted(request("six-" + round, 1, 6), where));
                List<CompletableFuture<GenerationResult>> futures = engine.submitAllAndStep(group);
                boolean ranHere = futures.get(0).isDone();
                GenerationResult six = get(futures.get(1));
                if (ranHere) {
                    inline++;
                    assertEquals(Thread.currentThread().getName(), threadOf.get(0), "round " + round + ": first token");
                }
                assertEquals("invariant-engine", threadOf.get(5), "round " + round + ": the rest on the engine thread");
                GenerationResult alone = get(engine.submit(request("alone-" + round, 1, 6), TokenListener.NONE));
                assertEquals(alone.outputHash(), six.outputHash());
                assertEquals(alone.fingerprint(), six.fingerprint());
                assertEquals(get(engine.submit(request("x", 0, 1), TokenListener.NONE)).outputHash(),
                        get(futures.get(0)).outputHash());
            }
        }
        assertTrue(inline >= 10, "the caller ran the first step in " + inline + " of 20 rounds on an idle engine");
    }

    @Test
    void oneStepAtATimeWhoeverStepsAndTheSameResults() throws Exception {
        String[] reference = new String[PROMPTS.length];
        try (Engine engine = open()) {
            for (int p = 0; p < PROMPTS.length; p++) {
                reference[p] = get(engine.submit(request("ref-" + p, p, 4), TokenListener.NONE)).outputHash();
            }
        }
        var inside = new AtomicInteger();
        var overlap = new AtomicBoolean();
        Set<String> steppers = ConcurrentHashMap.newKeySet();
        TokenListener check = (id, pos, tok, delta) -> {
            if (inside.getAndIncrement() != 0) overlap.set(true);
            steppers.add(Thread.currentThread().getName());
            long until = System.nanoTime() + 20_000;
            while (System.nanoTime() < until) Thread.onSpinWait();
            inside.decrementAndGet();
        };
        var results = new ConcurrentHashMap<String, CompletableFuture<GenerationResult>>();
        try (Engine engine = open()) {
            Thread other = Thread.ofPlatform().name("other-submitter").start(() -> {
                for (int i = 0; i < 150; i++) {
                    var f = engine.submit(request("o-" + i, i % PROMPTS.length, 4), check);
                    results.put("o-" + i, f);
                    if (i % 3 == 0) f.join();
                }
            });
            for (int i = 0; i < 150; i++) {
                var group = List.of(new Engine.Submitted(request("a-" + i, i % PROMPTS.length, 4), check),
                        new Engine.Submitted(request("b-" + i, (i + 1) % PROMPTS.length, 4), check));
                List<CompletableFuture<GenerationResult>> futures = engine.submitAllAndStep(group);
                results.put("a-" + i, futures.get(0));
                results.put("b-" + i, futures.get(1));
                if (i % 2 == 0) futures.get(1).join();
            }
            other.join();
            for (var f : results.values()) get(f);
            for (int i = 0; i < 5; i++) { // an idle engine: these start on this thread
                Thread.sleep(5);
                var f = engine.submitAllAndStep(List.of(new Engine.Submitted(request("c-" + i, i % PROMPTS.length, 4),
                        check))).get(0);
                results.put("c-" + i, f);
                get(f);
            }
            for (int i = 0; i < 5; i++) { // still running at close, which lets them finish
                results.put("d-" + i, engine.submitAllAndStep(List.of(new Engine.Submitted(
                        request("d-" + i, i % PROMPTS.length, 4), check))).get(0));
            }
        }
        assertFalse(overlap.get(), "two steps ran at once");
        assertTrue(steppers.contains(Thread.currentThread().getName()), "steps on the caller: " + steppers);
        assertTrue(steppers.contains("invariant-engine"), "steps on the engine thread: " + steppers);
        assertEquals(460, results.size());
        for (var e : results.entrySet()) {
            GenerationResult r = get(e.getValue());
            int n = Integer.parseInt(e.getKey().substring(2));
            int prompt = (e.getKey().startsWith("b-") ? n + 1 : n) % PROMPTS.length;
            assertEquals(reference[prompt], r.outputHash(), e.getKey());
        }
    }
}
