package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Beam search keeps the engine's promise: its n outputs (tokens, cumulative log-probability bits, output hashes)
 * do not depend on the batch, the prefill chunk size or the prefix cache, and width 1 is greedy decoding.
 */
class BeamInvarianceTest {
    static final String PROMPT = BatchInvarianceTest.PROMPT;

    static Request beams(String id, int n, int width, EarlyStopping early, float lengthPenalty) {
        return new Request(id, Prompt.text(PROMPT), SamplingParams.builder().maxTokens(14).useBeamSearch(true).n(n)
                .bestOf(width).earlyStopping(early).lengthPenalty(lengthPenalty).build(), 0L, 2);
    }

    static List<Request> subjects() {
        return List.of(beams("beam-3", 3, 3, EarlyStopping.FALSE, 1f), beams("beam-never", 2, 4, EarlyStopping.NEVER,
                0.5f), beams("beam-early", 2, 2, EarlyStopping.TRUE, 1f));
    }

    static Run run(String model, EngineConfig config, List<Run.Arrival> companions) {
        List<Run.Arrival> a = new ArrayList<>(companions);
        a.addAll(Run.at(0, subjects()));
        return Run.execute(config, a);
    }

    static void assertSameOutputs(Run reference, Run other, String what) {
        for (Request r : subjects()) {
            GenerationResult a = reference.results.get(r.requestId());
            GenerationResult b = other.results.get(r.requestId());
            assertTrue(a.ok() && b.ok(), what + ": " + r.requestId() + " failed: " + a.error() + " / " + b.error());
            assertEquals(r.params().n(), a.outputs().size(), "n outputs");
            assertEquals(a.fingerprint(), b.fingerprint(), what);
            for (int i = 0; i < a.outputs().size(); i++) {
                SequenceOutput x = a.outputs().get(i);
                SequenceOutput y = b.outputs().get(i);
                assertArrayEquals(x.tokenIds(), y.tokenIds(), what + ": tokens of " + r.requestId() + "[" + i + "]");
                assertEquals(Float.floatToRawIntBits(x.cumulativeLogprob()),
                        Float.floatToRawIntBits(y.cumulativeLogprob()), what + ": cumulative logprob bits");
                assertEquals(x.outputHash(), y.outputHash(), what);
                assertEquals(x.logprobs(), y.logprobs(), what + ": logprobs");
                assertEquals(x.text(), y.text(), what);
            }
            assertArrayEquals(a.outputs().getFirst().tokenIds(), a.tokenIds(), "top level = output 0");
        }
    }

    @ParameterizedTest(name = "{0}: alone vs random companions, chunk sizes 1 and 7, prefix cache on and off")
    @ValueSource(strings = {"stories260K", "tiny-qwen3"})
    void beamOutputsAreBatchInvariant(String model) {
        EngineConfig base = BatchInvarianceTest.base(model);
        Run alone = run(model, base.withBatching(16, 4096, 4096).withKvCache(16, 32768, true), List.of());
        for (Request r : subjects()) {
            GenerationResult g = alone.results.get(r.requestId());
            assertTrue(g.ok(), r.requestId() + ": " + g.error());
            var hashes = new HashSet<String>();
            for (SequenceOutput o : g.outputs()) hashes.add(o.outputHash());
            assertEquals(g.outputs().size(), hashes.size(), "each output has its own hash: " + r.requestId());
            for (int i = 1; i < g.outputs().size(); i++) {
                assertTrue(g.outputs().get(i).index() == i, "outputs in rank order");
            }
        }
        int vocab = model.equals("stories260K") ? 512 : 151936;
        Random rnd = new Random(11);
        assertSameOutputs(alone, run(model, base.withKvCache(16, 32768, true),
                Run.companions(rnd, 12, vocab, 40, 10)), "random companions");
        assertSameOutputs(alone, run(model, base.withBatching(64, 4096, 7).withKvCache(16, 32768, true),
                Run.companions(rnd, 6, vocab, 30, 6)), "chunk 7 with companions");
        assertSameOutputs(alone, run(model, base.withBatching(64, 4096, 1).withKvCache(4, 32768, false),
                List.of()), "chunk 1, block 4, no prefix cache");
    }

    @ParameterizedTest(name = "{0}: beam width 1 is greedy decoding")
    @ValueSource(strings = {"stories260K", "tiny-qwen3"})
    void widthOneIsGreedy(String model) {
        SamplingParams greedy = SamplingParams.builder().maxTokens(20).ignoreEos(true).build();
        SamplingParams beam = SamplingParams.builder().maxTokens(20).ignoreEos(true).useBeamSearch(true).n(1)
                .bestOf(1).build();
        Run r = Run.execute(BatchInvarianceTest.base(model), List.of(
                new Run.Arrival(0, new Request("greedy", Prompt.text(PROMPT), greedy)),
                new Run.Arrival(0, new Request("beam", Prompt.text(PROMPT), beam))));
        assertArrayEquals(r.results.get("greedy").tokenIds(), r.results.get("beam").tokenIds());
        assertEquals(r.results.get("greedy").outputHash(), r.results.get("beam").outputHash());
    }
}
