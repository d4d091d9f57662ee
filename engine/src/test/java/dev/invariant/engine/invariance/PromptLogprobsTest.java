package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineConfig;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.Backends;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.sample.Logprobs;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Prompt log-probabilities: entry j - 1 is {@link Logprobs} of the row the backend returns for tokens 0..j-1 computed
 * alone (one chunk), bit for bit, whatever the prefill chunk size, with or without another request's prompt in the
 * prefix cache, among companions of random lengths, and for n > 1 and beam search. Runs on the test backend (cpu
 * here, cuda on the GPU run).
 */
class PromptLogprobsTest {
    private static final int TOP = 4;

    private static int[] prompt(String model) {
        int vocab = model.equals("stories260K") ? 512 : 4096;
        return new Random(17).ints(40, 3, vocab).toArray();
    }

    /** Each prompt token's entry from its prefix computed alone, straight from the backend. */
    private static List<TokenLogprob> reference(EngineConfig config, int[] ids) {
        Model model = ModelLoader.load(config.model());
        List<TokenLogprob> out = new ArrayList<>();
        try (Backend be = Backends.open(model, config)) {
            for (int j = 1; j < ids.length; j++) {
                float[] row = be.forward(List.of(new SeqChunk(0, Arrays.copyOf(ids, j), 0, new int[] {0, 1, 2, 3}, true)))[0];
                out.add(Logprobs.of(row, ids[j], TOP));
            }
        }
        return out;
    }

    private static Request subject(String id, int[] ids, SamplingParams p) {
        return new Request(id, new Prompt.TokenIds(ids), p, 0L, -1, TOP);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "tiny-qwen2"})
    void eachEntryIsItsPrefixAloneWhateverTheChunkingCacheOrBatch(String model) {
        int[] ids = prompt(model);
        EngineConfig base = BatchInvarianceTest.base(model);
        List<TokenLogprob> expected = reference(base, ids);
        SamplingParams greedy = SamplingParams.builder().maxTokens(4).ignoreEos(true).build();
        String plainHash = null;
        for (int chunk : new int[] {1, 7, 4096}) {
            for (boolean cached : new boolean[] {false, true}) {
                String what = model + " chunk " + chunk + (cached ? " after a cached prompt" : "");
                List<Run.Arrival> a = new ArrayList<>(Run.companions(new Random(chunk), 10, 512, 60, 8));
                a.add(new Run.Arrival(0, new Request("companion-rows", new Prompt.TokenIds(new Random(3).ints(25, 3, 500)
                        .toArray()), greedy, 0L, 1, 2)));
                if (cached) a.add(new Run.Arrival(0, new Request("warm", new Prompt.TokenIds(ids), greedy)));
                int at = cached ? 60 : 2;
                a.add(new Run.Arrival(at, subject("subject", ids, greedy)));
                a.add(new Run.Arrival(at, new Request("plain", new Prompt.TokenIds(ids), greedy)));
                EngineConfig config = base.withBatching(16, 256, chunk).withKvCache(16, 32768, cached);
                Run run = Run.execute(config, a);
                GenerationResult r = run.results.get("subject");
                assertTrue(r.ok(), what + ": " + r.error());
                assertSameBits(expected, r.promptLogprobs(), what);
                assertEquals(run.results.get("plain").outputHash(), r.outputHash(), what + ": the same output");
                assertEquals(run.results.get("plain").fingerprint(), r.fingerprint(), what + ": not in the fingerprint");
                assertTrue(run.results.get("plain").promptLogprobs().isEmpty(), what + ": not asked");
                assertEquals(24, run.results.get("companion-rows").promptLogprobs().size(), what);
                if (plainHash == null) plainHash = r.outputHash();
                assertEquals(plainHash, r.outputHash(), what);
            }
        }
        assertOrdered(expected);
    }

    /** n > 1 samples and a beam search report the request's prompt entries once. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "tiny-qwen2"})
    void samplesAndBeamsReportThePromptOnce(String model) {
        int[] ids = prompt(model);
        EngineConfig base = BatchInvarianceTest.base(model).withBatching(16, 256, 7).withKvCache(16, 32768, true);
        List<TokenLogprob> expected = reference(base, ids);
        List<Run.Arrival> a = new ArrayList<>(Run.companions(new Random(9), 6, 512, 50, 4));
        a.add(new Run.Arrival(1, subject("n2", ids, SamplingParams.builder().maxTokens(5).temperature(0.9f).n(2)
                .seed(3L).ignoreEos(true).build())));
        a.add(new Run.Arrival(1, subject("beams", ids, SamplingParams.builder().useBeamSearch(true).temperature(0f)
                .n(1).bestOf(2).maxTokens(4).ignoreEos(true).build())));
        Run run = Run.execute(base, a);
        for (String id : List.of("n2", "beams")) {
            GenerationResult r = run.results.get(id);
            assertTrue(r.ok(), id + ": " + r.error());
            assertSameBits(expected, r.promptLogprobs(), model + " " + id);
        }
    }

    /** Alternatives most likely first, ties to the lowest id, as {@code logprobs} orders them. */
    private static void assertOrdered(List<TokenLogprob> entries) {
        for (TokenLogprob lp : entries) {
            assertEquals(TOP, lp.top().size());
            for (int i = 1; i < lp.top().size(); i++) {
                TokenLogprob.Alternative p = lp.top().get(i - 1);
                TokenLogprob.Alternative q = lp.top().get(i);
                assertTrue(p.logprob() > q.logprob() || p.logprob() == q.logprob() && p.tokenId() < q.tokenId());
            }
        }
    }

    static void assertSameBits(List<TokenLogprob> expected, List<TokenLogprob> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": one entry per prompt token after the first");
        for (int i = 0; i < expected.size(); i++) {
            TokenLogprob e = expected.get(i);
            TokenLogprob x = actual.get(i);
            String at = what + ", prompt position " + (i + 1);
            assertEquals(e.tokenId(), x.tokenId(), at);
            assertEquals(Float.floatToRawIntBits(e.logprob()), Float.floatToRawIntBits(x.logprob()), at);
            assertEquals(e.top().size(), x.top().size(), at);
            for (int k = 0; k < e.top().size(); k++) {
                assertEquals(e.top().get(k).tokenId(), x.top().get(k).tokenId(), at + " top " + k);
                assertEquals(Float.floatToRawIntBits(e.top().get(k).logprob()),
                        Float.floatToRawIntBits(x.top().get(k).logprob()), at + " top " + k);
            }
        }
    }
}
