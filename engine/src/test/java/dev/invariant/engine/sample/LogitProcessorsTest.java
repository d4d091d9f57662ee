package dev.invariant.engine.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** logit_bias, allowed_token_ids and min_tokens on hand-made rows: the processed bits and the tokens they give. */
class LogitProcessorsTest {
    private static final int[] NO_HISTORY = {};

    private static SamplingParams.Builder greedy() {
        return SamplingParams.builder();
    }

    @Test
    void aBiasIsOneBinary32AdditionToTheRawLogit() {
        float[] logits = SamplerTest.randomLogits(3, 64);
        float bias = 0.1f; // not exact in binary32: the sum rounds
        SamplingParams p = greedy().logitBias(Map.of(5, bias, 9, -100f)).build();
        float[] out = LogitProcessors.apply(logits, p, Set.of(), 0);
        assertEquals(Float.floatToRawIntBits(logits[5] + bias), Float.floatToRawIntBits(out[5]));
        assertEquals(Float.floatToRawIntBits(logits[9] + -100f), Float.floatToRawIntBits(out[9]));
        for (int id = 0; id < logits.length; id++) {
            if (id != 5 && id != 9) assertEquals(Float.floatToRawIntBits(logits[id]), Float.floatToRawIntBits(out[id]));
        }
        assertNotEquals(out, logits, "a copy: the raw row is not modified");
    }

    @Test
    void plus100MakesGreedyPickTheTokenAndMinus100BansIt() {
        float[] logits = SamplerTest.randomLogits(4, 500);
        int top = LogitScan.argmax(logits);
        int low = top == 7 ? 8 : 7;
        assertEquals(low, Sampler.sample(logits, greedy().logitBias(Map.of(low, 100f)).build(), 0, 0, NO_HISTORY, 0));
        assertNotEquals(top, Sampler.sample(logits, greedy().logitBias(Map.of(top, -100f)).build(), 0, 0,
                NO_HISTORY, 0));
        SamplingParams sampled = SamplingParams.builder().temperature(1f).logitBias(Map.of(top, -100f)).build();
        for (int position = 0; position < 200; position++) {
            assertNotEquals(top, Sampler.sample(logits, sampled, 17, position, NO_HISTORY, 0), "position " + position);
        }
    }

    @Test
    void theBiasComesBeforeThePenalties() {
        // Token 0 (in the prompt) gets bias 1 and repetition penalty 2. vLLM's order: (4 + 1) / 2 = 2.5 < 2.7, so
        // token 1 wins; penalty first would give 4 / 2 + 1 = 3 > 2.7, token 0.
        SamplingParams p = greedy().repetitionPenalty(2f).logitBias(Map.of(0, 1f)).build();
        float[] row = {4f, 2.7f};
        assertEquals(1, Sampler.sample(row, p, 0, 0, new int[] {0}, 1));
    }

    @Test
    void allowedTokenIdsMaskEveryOtherTokenToMinusInfinity() {
        float[] logits = SamplerTest.randomLogits(5, 300);
        List<Integer> allowed = List.of(17, 3, 250);
        SamplingParams p = greedy().allowedTokenIds(allowed).logitBias(Map.of(4, 100f, 3, 0.5f)).build();
        float[] out = LogitProcessors.apply(logits, p, Set.of(), 0);
        for (int id = 0; id < out.length; id++) {
            if (!allowed.contains(id)) assertEquals(Float.NEGATIVE_INFINITY, out[id], "id " + id);
        }
        assertEquals(logits[3] + 0.5f, out[3], 0f, "bias on an allowed id");
        int best = logits[17] >= logits[3] + 0.5f && logits[17] >= logits[250] ? 17
                : logits[3] + 0.5f >= logits[250] ? 3 : 250;
        assertEquals(best, Sampler.sample(logits, p, 0, 0, NO_HISTORY, 0), "a bias does not lift a masked id");
        SamplingParams sampled = SamplingParams.builder().temperature(2f).allowedTokenIds(allowed).build();
        for (int position = 0; position < 300; position++) {
            assertTrue(allowed.contains(Sampler.sample(logits, sampled, 99, position, NO_HISTORY, 0)));
        }
    }

    @Test
    void minTokensBansEosAndStopTokenIdsUntilReached() {
        float[] logits = new float[10];
        logits[2] = 9f; // EOS would win
        logits[6] = 8f; // a stop token id next
        logits[4] = 1f;
        SamplingParams p = greedy().minTokens(3).stopTokenIds(List.of(6)).build();
        Set<Integer> eos = Set.of(2);
        for (int position = 0; position < 3; position++) {
            assertEquals(4, Sampler.sample(logits, p, 0, position, NO_HISTORY, 0, eos));
            float[] out = LogitProcessors.apply(logits, p, eos, position);
            assertEquals(Float.NEGATIVE_INFINITY, out[2]);
            assertEquals(Float.NEGATIVE_INFINITY, out[6]);
        }
        assertEquals(2, Sampler.sample(logits, p, 0, 3, NO_HISTORY, 0, eos), "reached: EOS again");
        assertSame(logits, LogitProcessors.apply(logits, p, eos, 3), "nothing applies: the row itself");
        SamplingParams ignoring = greedy().minTokens(3).ignoreEos(true).build();
        assertEquals(6, Sampler.sample(logits, ignoring, 0, 0, NO_HISTORY, 0, eos), "EOS banned with ignore_eos too");
    }

    @Test
    void onlyAnUnprocessedGreedyRowMayBeAnsweredByItsArgmax() {
        assertTrue(Sampler.argmaxOnly(greedy().build(), 0));
        assertFalse(Sampler.argmaxOnly(greedy().logitBias(Map.of(1, 1f)).build(), 5));
        assertFalse(Sampler.argmaxOnly(greedy().allowedTokenIds(List.of(1)).build(), 5));
        SamplingParams min = greedy().minTokens(2).build();
        assertFalse(Sampler.argmaxOnly(min, 1));
        assertTrue(Sampler.argmaxOnly(min, 2));
        GreedyChoice choice = GreedyChoice.of(new float[] {0f, 1f});
        assertThrows(IllegalArgumentException.class, () -> Sampler.greedy(choice, min, 1, NO_HISTORY, 0));
        assertEquals(1, Sampler.greedy(choice, min, 2, NO_HISTORY, 0));
    }

    @Test
    void beamCandidatesLeaveOutTokensThatCannotBeGenerated() {
        float[] row = {0f, 3f, 2f, 1f, 5f};
        SamplingParams p = SamplingParams.builder().useBeamSearch(true).n(1).bestOf(2).allowedTokenIds(List.of(1, 3))
                .build();
        List<BeamSearch.Candidate> c = BeamSearch.candidates(List.of(row), new float[] {0f}, List.of(new int[] {0}),
                1, p, Set.of());
        assertEquals(List.of(1, 3), c.stream().map(BeamSearch.Candidate::token).toList(), "2 of 4 kept; no -inf one");
    }

    @Test
    void invalidValuesNameTheirField() {
        assertInvalid(greedy().logitBias(Map.of(1, 100.5f)), "logit_bias");
        assertInvalid(greedy().logitBias(Map.of(1, Float.NaN)), "logit_bias");
        assertInvalid(greedy().logitBias(Map.of(-1, 1f)), "logit_bias");
        assertInvalid(greedy().allowedTokenIds(List.of()), "allowed_token_ids");
        assertInvalid(greedy().allowedTokenIds(List.of(-3)), "allowed_token_ids");
        assertInvalid(greedy().minTokens(-1), "min_tokens");
        assertInvalid(greedy().maxTokens(4).minTokens(5), "min_tokens");
        assertEquals(5, greedy().maxTokens(SamplingParams.UP_TO_CONTEXT).minTokens(5).build().minTokens());
        assertEquals(-100f, greedy().logitBias(Map.of(1, -100f)).build().logitBias().get(1));
        for (String key : new String[] {"abc", "-1", "1.5", " 5", "", "99999999999", "0x10"}) {
            EngineException e = assertThrows(EngineException.class, () -> LogitProcessors.tokenKey(key), key);
            assertEquals("logit_bias", e.param());
        }
        assertEquals(50256, LogitProcessors.tokenKey("50256"));
        EngineException twice = assertThrows(EngineException.class,
                () -> LogitProcessors.logitBias(Map.of("5", 1f, "05", 2f)));
        assertTrue(twice.getMessage().contains("token 5 twice"), twice.getMessage());
        SamplingParams p = greedy().logitBias(Map.of(511, 1f)).allowedTokenIds(List.of(0, 600)).build();
        assertEquals("allowed_token_ids", assertThrows(EngineException.class,
                () -> LogitProcessors.checkVocabulary(greedy().allowedTokenIds(List.of(0, 600)).build(), 512)).param());
        assertEquals("logit_bias", assertThrows(EngineException.class,
                () -> LogitProcessors.checkVocabulary(greedy().logitBias(Map.of(512, 1f)).build(), 512)).param());
        assertThrows(EngineException.class, () -> LogitProcessors.checkVocabulary(p, 512));
    }

    @Test
    void theBiasMapIsHeldInIdOrderAndUnmodifiable() {
        SamplingParams p = greedy().logitBias(new java.util.HashMap<>(Map.of(300, 1f, 2, -1f, 40, 0.5f))).build();
        assertEquals(List.of(2, 40, 300), List.copyOf(p.logitBias().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> p.logitBias().put(1, 1f));
        assertEquals(p, p.toBuilder().build(), "toBuilder keeps every field");
    }

    private static void assertInvalid(SamplingParams.Builder b, String param) {
        EngineException e = assertThrows(EngineException.class, b::build);
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals(param, e.param(), e.getMessage());
    }
}
