package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link TokenListener#onPromptLogprobs}: a streaming caller gets the prompt's log-probabilities once, before the
 * first token, equal to the result's; with n samples on sample 0's listener only; never when not asked for.
 */
class PromptLogprobsListenerTest {
    /** What one listener saw, in order: "prompt" then "token N" entries. */
    private static final class Recorder implements TokenListener {
        final List<String> events = new ArrayList<>();
        final List<Recorder> samples = new ArrayList<>();
        int[] promptIds;
        List<TokenLogprob> entries;

        @Override
        public void onToken(String requestId, int position, int tokenId, String textDelta) {
            events.add("token " + position);
        }

        @Override
        public void onPromptLogprobs(String requestId, int[] ids, List<TokenLogprob> lps) {
            events.add("prompt");
            promptIds = ids;
            entries = lps;
        }

        @Override
        public TokenListener forSample(int i) {
            if (i == 0) return this;
            Recorder r = new Recorder();
            samples.add(r);
            return r;
        }
    }

    private static GenerationResult run(Engine engine, Request r, Recorder rec) throws Exception {
        GenerationResult g = engine.submit(r, rec).get(60, TimeUnit.SECONDS);
        assertTrue(g.ok(), () -> g.error().describe());
        return g;
    }

    @Test
    void entriesComeOnceBeforeTheFirstTokenAndEqualTheResults() throws Exception {
        try (Engine engine = Engine.open(EngineConfig.defaults(TestAssets.model("stories260K").toString())
                .withThreads(1))) {
            var p = SamplingParams.builder().maxTokens(4).ignoreEos(true);
            Recorder one = new Recorder();
            GenerationResult g = run(engine, new Request("one", Prompt.text("Once upon a time, a cat"), p.build(), 0,
                    -1, 2), one);
            assertEquals(List.of("prompt", "token 0", "token 1", "token 2", "token 3"), one.events);
            assertArrayEquals(g.promptTokenIds(), one.promptIds);
            assertEquals(g.promptLogprobs(), one.entries);
            assertEquals(g.promptTokenIds().length - 1, one.entries.size());

            Recorder two = new Recorder();
            GenerationResult s = run(engine, new Request("two", Prompt.text("Once upon a time, a cat"),
                    SamplingParams.builder().maxTokens(4).ignoreEos(true).temperature(0.8f).seed(3L).n(2).build(), 0, -1, 2), two);
            assertEquals("prompt", two.events.getFirst());
            assertEquals(s.promptLogprobs(), two.entries);
            assertEquals(g.promptLogprobs(), two.entries, "the prompt's entries do not depend on the sampling");
            assertEquals(1, two.samples.size());
            assertTrue(two.samples.getFirst().events.stream().noneMatch("prompt"::equals), "sample 1 gets none");

            Recorder none = new Recorder();
            run(engine, new Request("none", Prompt.text("Once upon a time, a cat"), p.build()), none);
            assertTrue(none.events.stream().noneMatch("prompt"::equals), none.events.toString());
        }
    }
}
