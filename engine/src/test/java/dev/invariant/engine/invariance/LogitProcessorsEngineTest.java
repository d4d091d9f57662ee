package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.sample.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * logit_bias, min_tokens and allowed_token_ids through the real engine on stories260K (EOS id 2), whose greedy
 * continuation of the prompt never reaches EOS by itself: a +100 bias on EOS makes it the greedy choice at every
 * position, which min_tokens must then hold off.
 */
class LogitProcessorsEngineTest {
    private static final String MODEL = "stories260K";
    private static final String PROMPT = "Once upon a time";
    private static final int EOS = 2;

    private static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().maxTokens(maxTokens);
    }

    private static Map<String, GenerationResult> run(Request... requests) {
        return Run.togetherOk(MODEL, requests);
    }

    private static Request request(String id, SamplingParams p) {
        return new Request(id, Prompt.text(PROMPT), p);
    }

    @Test
    void minTokensHoldsOffEosEvenWithIgnoreEos() {
        var r = run(request("plain", greedy(12).build()),
                request("eos", greedy(12).logitBias(Map.of(EOS, 100f)).build()),
                request("min5", greedy(12).logitBias(Map.of(EOS, 100f)).minTokens(5).build()),
                request("min5-ignore", greedy(12).logitBias(Map.of(EOS, 100f)).minTokens(5).ignoreEos(true).build()));
        int[] plain = r.get("plain").tokenIds();
        assertEquals(12, plain.length);
        assertFalse(Arrays.stream(plain).anyMatch(t -> t == EOS), "greedy alone never reaches EOS here");
        assertArrayEquals(new int[] {EOS}, r.get("eos").tokenIds(), "+100 makes EOS the greedy token");
        assertEquals(FinishReason.STOP, r.get("eos").finishReason());
        int[] expected = Arrays.copyOf(plain, 6);
        expected[5] = EOS;
        assertArrayEquals(expected, r.get("min5").tokenIds(), "5 tokens as without bias, then EOS");
        assertEquals(FinishReason.STOP, r.get("min5").finishReason());
        int[] ignoring = r.get("min5-ignore").tokenIds();
        assertEquals(12, ignoring.length);
        assertArrayEquals(Arrays.copyOf(plain, 5), Arrays.copyOf(ignoring, 5), "EOS banned before min_tokens");
        assertEquals(EOS, ignoring[5]);
    }

    @Test
    void minTokensBansStopTokenIdsAndSkipsStopStringsBeforeIt() {
        var base = run(request("plain", greedy(80).build())).get("plain");
        int stopId = base.tokenIds()[4];
        int firstAt = indexOf(base.tokenIds(), stopId);
        String word = "Lily";
        int wordAt = base.text().indexOf(word);
        assertTrue(wordAt > 0 && base.text().indexOf(word, wordAt + 1) > wordAt, base.text());
        // The first `word` is complete after k tokens: min_tokens k still checks it (vLLM checks once the output has
        // min_tokens tokens), min_tokens k + 1 does not.
        int k = tokensUntil(base, wordAt + word.length());
        var r = run(request("stop-id", greedy(80).stopTokenIds(List.of(stopId)).build()),
                request("stop-id-min", greedy(80).stopTokenIds(List.of(stopId)).minTokens(firstAt + 4).build()),
                request("stop-str", greedy(80).stop(List.of(word)).build()),
                request("stop-str-at", greedy(80).stop(List.of(word)).minTokens(k).build()),
                request("stop-str-min", greedy(80).stop(List.of(word)).minTokens(k + 1).build()));
        assertEquals(firstAt + 1, r.get("stop-id").tokenIds().length, "stops at its first " + stopId);
        int[] delayed = r.get("stop-id-min").tokenIds();
        assertTrue(delayed.length > firstAt + 4, Arrays.toString(delayed));
        assertEquals(-1, indexOf(Arrays.copyOf(delayed, firstAt + 4), stopId), "banned before min_tokens");
        assertEquals(base.text().substring(0, wordAt), r.get("stop-str").text());
        assertEquals(base.text().substring(0, wordAt), r.get("stop-str-at").text());
        String late = r.get("stop-str-min").text();
        assertTrue(late.startsWith(base.text().substring(0, wordAt + word.length())), "the first '" + word
                + "' is inside the first min_tokens tokens: not a stop: " + late);
        assertEquals(base.text().substring(0, base.text().indexOf(word, wordAt + 1)), late, "the next one is");
        assertEquals(FinishReason.STOP, r.get("stop-str-min").finishReason());
    }

    @Test
    void allowedTokenIdsRestrictEveryTokenOfSamplesAndBeams() {
        var base = run(request("plain", greedy(12).build())).get("plain");
        List<Integer> allowed = Arrays.stream(base.tokenIds()).skip(1).limit(6).boxed().distinct().toList();
        var r = run(request("greedy", greedy(12).allowedTokenIds(allowed).build()),
                request("samples", greedy(12).temperature(1f).seed(3L).n(3).allowedTokenIds(allowed).build()),
                request("beams", greedy(8).useBeamSearch(true).n(2).bestOf(3).allowedTokenIds(allowed).build()));
        assertNotEquals(base.tokenIds()[0], r.get("greedy").tokenIds()[0], "the unconstrained first token is out");
        for (GenerationResult g : r.values()) {
            List<SequenceOutput> outs = g.outputs().isEmpty() ? List.of() : g.outputs();
            assertAllowed(g.tokenIds(), allowed, g.requestId());
            for (SequenceOutput o : outs) assertAllowed(o.tokenIds(), allowed, g.requestId() + " output " + o.index());
        }
        assertEquals(3, r.get("samples").outputs().size());
    }

    @Test
    void logitBiasForcesAToken() {
        var r = run(request("forced", greedy(8).logitBias(Map.of(300, 100f)).build()),
                request("sampled", greedy(8).temperature(1f).seed(9L).logitBias(Map.of(300, 100f)).build()));
        for (GenerationResult g : r.values()) {
            assertArrayEquals(new int[] {300, 300, 300, 300, 300, 300, 300, 300}, g.tokenIds(), g.requestId());
        }
    }

    /** Requests with each of the three give the same bits alone as among random companions, chunked otherwise. */
    @Test
    void batchInvariantWithTheThree() {
        List<Request> subjects = List.of(
                request("bias", greedy(24).temperature(0.9f).seed(5L).logitBias(Map.of(432, -3.5f, 13, 2.25f)).build()),
                request("min", greedy(24).minTokens(10).logitBias(Map.of(EOS, 12f)).build()),
                request("allowed", greedy(24).temperature(0.8f).seed(6L).allowedTokenIds(List.of(426, 432, 286, 13, 261))
                        .build()));
        Run reference = Run.execute(BatchInvarianceTest.base(MODEL).withBatching(1, 4096, 4096), Run.at(0, subjects));
        List<Run.Arrival> mixed = new ArrayList<>(Run.companions(new Random(11), 12, 512, 40, 8));
        for (int i = 0; i < subjects.size(); i++) mixed.add(new Run.Arrival(2 * i, subjects.get(i)));
        Run batched = Run.execute(BatchInvarianceTest.base(MODEL).withBatching(64, 4096, 5), mixed);
        assertTrue(batched.maxBatchSeen > 3, "ran in batches");
        Run.assertSameBits(reference, batched, subjects.stream().map(Request::requestId).toList(), "batched");
    }

    private static void assertAllowed(int[] tokens, List<Integer> allowed, String what) {
        for (int t : tokens) assertTrue(allowed.contains(t), what + ": token " + t + " not in " + allowed);
    }

    private static int indexOf(int[] values, int v) {
        for (int i = 0; i < values.length; i++) if (values[i] == v) return i;
        return -1;
    }

    /** How many of {@code g}'s tokens it takes for its text to reach {@code chars} characters. */
    private static int tokensUntil(GenerationResult g, int chars) {
        var tokenizer = dev.invariant.engine.text.Tokenizer.load(dev.invariant.engine.TestAssets.model(MODEL));
        for (int n = 1; n <= g.tokenIds().length; n++) {
            if (tokenizer.decode(Arrays.copyOf(g.tokenIds(), n), true).length() >= chars) return n;
        }
        throw new AssertionError("the text never reaches " + chars + " characters");
    }
}
