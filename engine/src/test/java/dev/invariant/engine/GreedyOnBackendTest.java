package dev.invariant.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.backend.Backend;
import dev.invariant.engine.backend.Backends;
import dev.invariant.engine.backend.SeqChunk;
import dev.invariant.engine.invariance.Run;
import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.Model;
import dev.invariant.engine.model.ModelLoader;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Greedy rows answered by the backend's greedy choice ({@link EngineCore#GREEDY_ON_BACKEND}) change nothing: the same
 * workload (greedy requests among penalised, logprob and sampled ones, one beam search) gives the same tokens, output
 * hashes, logprobs and fingerprints with the path on and off, and a non-finite row the same error completion. Runs
 * on the test backend (cpu here, cuda on the GPU run).
 */
class GreedyOnBackendTest {

    private static EngineConfig config(String model) {
        return EngineConfig.defaults(TestAssets.model(model).toString()).withBackend(TestAssets.backend()).withThreads(2)
                .withBatching(16, 256, 32).withKvCache(16, 8192, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2"})
    void sameCompletionsWithThePathOnAndOff(String model) {
        int vocab = model.equals("stories260K") ? 512 : 151936;
        List<Run.Arrival> a = new ArrayList<>(Run.greedyMix(new Random(5), 24, Math.min(vocab, 4096), 24, 12, 6));
        a.add(new Run.Arrival(2, new Request("beams", Prompt.text("Once upon a time"), SamplingParams.builder()
                .useBeamSearch(true).n(1).bestOf(2).maxTokens(6).ignoreEos(true).build())));
        // Greedy requests whose token is not their raw row's argmax (not while min_tokens holds EOS off): rows.
        a.add(new Run.Arrival(1, new Request("biased", Prompt.text("Once upon a time"), SamplingParams.builder()
                .maxTokens(6).logitBias(Map.of(300, 100f)).build())));
        a.add(new Run.Arrival(1, new Request("allowed", Prompt.text("Once upon a time"), SamplingParams.builder()
                .maxTokens(6).allowedTokenIds(List.of(301, 302)).build())));
        a.add(new Run.Arrival(3, new Request("min-tokens", Prompt.text("The dog"), SamplingParams.builder()
                .maxTokens(10).minTokens(5).build())));
        List<String> ids = a.stream().map(x -> x.request().requestId()).toList();
        Run on = Run.withGreedyOnBackend(true, config(model), a);
        Run off = Run.withGreedyOnBackend(false, config(model), a);
        Run observed = Run.execute(config(model), a);
        assertTrue(on.greedyChoices > 0, "the greedy path was taken");
        assertEquals(0, off.greedyChoices, "switched off");
        assertEquals(0, observed.greedyChoices, "an observer gets every row");
        assertTrue(on.maxBatchSeen > 8, "steps mixed many requests");
        Run.assertSameBits(off, on, ids, model + " greedy on backend");
        assertArrayEquals(new int[] {300, 300, 300, 300, 300, 300}, on.results.get("biased").tokenIds(),
                "the biased token, not the row's argmax");
        for (int t : on.results.get("allowed").tokenIds()) assertTrue(t == 301 || t == 302, "allowed: " + t);
        for (String id : ids) {
            assertEquals(observed.results.get(id).outputHash(), on.results.get(id).outputHash(), id + " observed");
        }
    }

    /** A NaN or +inf logit fails the request with the same error, whichever way its row was scanned. */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aNonFiniteRowFailsTheSameWayEitherWay(boolean plusInfinityFirst) {
        Map<String, GenerationResult> on = corrupted(true, plusInfinityFirst);
        Map<String, GenerationResult> off = corrupted(false, plusInfinityFirst);
        GenerationResult bad = on.get("bad");
        assertFalse(bad.ok());
        assertEquals(ErrorCode.INTERNAL, bad.error().code());
        assertEquals("logit of token 7 is " + (plusInfinityFirst ? "Infinity" : "NaN")
                + ": the forward pass produced a non-finite value; check the model weights", bad.error().getMessage());
        assertEquals(bad.error().getMessage(), off.get("bad").error().getMessage());
        assertEquals(bad.error().code(), off.get("bad").error().code());
        assertTrue(on.get("good").ok());
        assertEquals(on.get("good").outputHash(), off.get("good").outputHash());
    }

    /** Two greedy requests; the backend's row of the first, at its third output position, gets ids 7 and 9 spoiled. */
    private static Map<String, GenerationResult> corrupted(boolean onBackend, boolean plusInfinityFirst) {
        EngineConfig config = config("stories260K").withBackend("cpu");
        Model model = ModelLoader.load(config.model());
        Map<String, GenerationResult> results = new HashMap<>();
        System.setProperty(EngineCore.GREEDY_ON_BACKEND, Boolean.toString(onBackend));
        try (EngineCore core = new EngineCore(model, Tokenizer.load(model.folder()),
                new Spoiling(Backends.open(model, config), plusInfinityFirst), config, System::nanoTime)) {
            SamplingParams p = SamplingParams.builder().maxTokens(8).ignoreEos(true).build();
            core.add(new Request("bad", Prompt.text("Once upon a time"), p), TokenListener.NONE,
                    r -> results.put(r.requestId(), r));
            core.add(new Request("good", Prompt.text("The dog"), p), TokenListener.NONE,
                    r -> results.put(r.requestId(), r));
            core.runToCompletion();
            assertEquals(onBackend, core.greedyChoices() > 0);
        } finally {
            System.clearProperty(EngineCore.GREEDY_ON_BACKEND);
        }
        return results;
    }

    /**
     * The CPU backend with one row spoiled (sequence 0's third logits row): the default greedy scan of
     * {@link Backend#forward(List, boolean[])} then reads the spoiled row.
     */
    private record Spoiling(Backend inner, boolean plusInfinityFirst, int[] rows) implements Backend {
        Spoiling(Backend inner, boolean plusInfinityFirst) {
            this(inner, plusInfinityFirst, new int[1]);
        }

        @Override
        public float[][] forward(List<SeqChunk> chunks) {
            float[][] out = inner.forward(chunks);
            for (int i = 0; i < out.length; i++) {
                if (chunks.get(i).seqId() == 0 && out[i] != null && rows[0]++ == 2) {
                    out[i][7] = plusInfinityFirst ? Float.POSITIVE_INFINITY : Float.NaN;
                    out[i][9] = plusInfinityFirst ? Float.NaN : Float.POSITIVE_INFINITY;
                }
            }
            return out;
        }

        @Override
        public Model model() {
            return inner.model();
        }

        @Override
        public NumericsProfile profile() {
            return inner.profile();
        }

        @Override
        public int blockSize() {
            return inner.blockSize();
        }

        @Override
        public int numBlocks() {
            return inner.numBlocks();
        }

        @Override
        public KvCacheDtype kvCacheDtype() {
            return inner.kvCacheDtype();
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
