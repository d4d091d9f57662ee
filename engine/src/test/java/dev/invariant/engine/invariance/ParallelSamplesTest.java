package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * n > 1 without beam search: sample i is, bit for bit, the one sample of the request seeded seed + i (vLLM's rule),
 * whatever runs beside it and however the prompt is chunked; its cumulative log-probability is the binary32 running
 * sum of that request's token log-probabilities.
 */
class ParallelSamplesTest {
    private static final String PROMPT = BatchInvarianceTest.PROMPT;

    private static SamplingParams.Builder sampled() {
        return SamplingParams.builder().maxTokens(16).temperature(0.9f).topP(0.95f).ignoreEos(true);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "tiny-qwen3"})
    void sampleIIsTheRequestSeededSeedPlusI(String model) {
        int vocab = model.equals("stories260K") ? 512 : 151936;
        Request seeded = new Request("n3", Prompt.text(PROMPT), sampled().n(3).seed(11L).build());
        Request unseeded = new Request("n2", Prompt.text(PROMPT), sampled().n(2).build(), 0L, 1);
        List<Run.Arrival> a = new ArrayList<>(Run.companions(new Random(5), 8, Math.min(vocab, 512), 40, 6));
        a.add(new Run.Arrival(0, seeded));
        a.add(new Run.Arrival(2, unseeded));
        Run run = Run.execute(BatchInvarianceTest.base(model), a);
        GenerationResult three = run.results.get("n3");
        GenerationResult two = run.results.get("n2");
        assertTrue(three.ok() && two.ok(), three.error() + " / " + two.error());

        // Each sample alone, with n = 1 and its seed, chunked otherwise and without companions.
        long derived = two.seed();
        List<Run.Arrival> singles = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            singles.add(new Run.Arrival(0, new Request("s" + i, Prompt.text(PROMPT), sampled().seed(11L + i).build(), 0L, 0)));
        }
        for (int i = 0; i < 2; i++) {
            singles.add(new Run.Arrival(0, new Request("u" + i, Prompt.text(PROMPT), sampled().seed(derived + i).build(), 0L, 1)));
        }
        Run alone = Run.execute(BatchInvarianceTest.base(model).withBatching(64, 4096, 7), singles);

        assertSamples(three, alone, "s", false);
        assertSamples(two, alone, "u", true);
        assertEquals(3, new HashSet<>(three.outputs().stream().map(SequenceOutput::outputHash).toList()).size(),
                "three different samples");
        assertNotEquals(alone.results.get("s0").fingerprint(), three.fingerprint(), "the fingerprint covers n");
        assertEquals(11L, three.seed());
    }

    private static void assertSamples(GenerationResult g, Run alone, String prefix, boolean logprobs) {
        for (int i = 0; i < g.outputs().size(); i++) {
            SequenceOutput o = g.outputs().get(i);
            GenerationResult single = alone.results.get(prefix + i);
            assertTrue(single.ok(), single.error() + "");
            assertEquals(i, o.index());
            assertArrayEquals(single.tokenIds(), o.tokenIds(), prefix + i + ": the request seeded seed + " + i);
            assertEquals(single.outputHash(), o.outputHash());
            assertEquals(single.text(), o.text());
            float sum = 0f;
            for (TokenLogprob lp : single.logprobs()) sum += lp.logprob();
            assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(o.cumulativeLogprob()), "cumulative bits");
            assertEquals(logprobs ? single.logprobs() : List.of(), o.logprobs(), "logprobs only when asked for");
        }
        assertArrayEquals(g.outputs().getFirst().tokenIds(), g.tokenIds(), "top level = output 0");
        assertEquals(g.outputs().getFirst().outputHash(), g.outputHash());
    }

    @Test
    void greedySamplesAreAllTheGreedyOutput() {
        SamplingParams greedy = SamplingParams.builder().maxTokens(12).ignoreEos(true).build();
        Run r = Run.execute(BatchInvarianceTest.base("stories260K"), List.of(
                new Run.Arrival(0, new Request("one", Prompt.text(PROMPT), greedy)),
                new Run.Arrival(0, new Request("four", Prompt.text(PROMPT), SamplingParams.builder().maxTokens(12)
                        .ignoreEos(true).n(4).build()))));
        GenerationResult four = r.results.get("four");
        assertEquals(4, four.outputs().size());
        for (SequenceOutput o : four.outputs()) assertArrayEquals(r.results.get("one").tokenIds(), o.tokenIds());
    }

    @Test
    void bestOfAboveNNeedsBeamSearch() {
        EngineException e = assertThrows(EngineException.class, () -> sampled().n(2).bestOf(3).build());
        assertEquals("best_of", e.param());
        assertTrue(e.getMessage().contains("use_beam_search"), e.getMessage());
    }
}
