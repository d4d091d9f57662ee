package dev.invariant.engine.sample.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.identity.Fingerprint;
import dev.invariant.engine.sample.Sampler;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Token masks over the real stories260K vocabulary (SentencePiece, byte fallback, a space its decoder strips). */
class GuideTest {
    private static final Tokenizer TOKENIZER = Tokenizer.load(TestAssets.model("stories260K"));
    private static final int VOCAB = 512;

    @Test
    void everyAllowedTokenKeepsTheOutputAPrefixOfAMatch() {
        StructuredOutput so = StructuredOutput.regex("regex", "(cat|dog)s? [0-9]{2}");
        Guide g = Guide.of(so, TOKENIZER, VOCAB);
        Random rnd = new Random(1);
        for (int trial = 0; trial < 30; trial++) {
            int[] out = new int[0];
            while (true) {
                Guide.Position at = g.position(out, 0);
                BitSet allowed = g.allowed(at);
                if (allowed.isEmpty()) {
                    assertTrue(g.accepting(at), "only a complete output has no next token");
                    break;
                }
                int[] ids = allowed.stream().toArray();
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = ids[rnd.nextInt(ids.length)];
            }
            String text = TOKENIZER.decode(out, true);
            assertTrue(text.matches("(cat|dog)s? [0-9]{2}"), text);
        }
    }

    @Test
    void theFirstTokenMayCarryTheSpaceTheDecoderStrips() {
        Guide g = Guide.of(StructuredOutput.choice("choice", List.of("the")), TOKENIZER, VOCAB);
        int[] spaced = TOKENIZER.encodeNoSpecial("the");
        assertEquals(' ', TOKENIZER.tokenBytes(spaced[0])[0], "the normaliser's space is the first token's");
        assertTrue(g.allowed(g.position(new int[0], 0)).get(spaced[0]), "'▁the' at the start decodes to 'the'");
        assertTrue(g.complete(spaced, 0));
        assertEquals("the", TOKENIZER.decode(spaced, true));
        // after the start the space is a byte like any other
        Guide two = Guide.of(StructuredOutput.regex("regex", "a the"), TOKENIZER, VOCAB);
        int[] a = TOKENIZER.encodeNoSpecial("a the");
        assertTrue(two.complete(a, 0), Arrays.toString(a));
    }

    @Test
    void masksArePureFunctionsOfTheOutput() {
        StructuredOutput so = StructuredOutput.jsonObject();
        Guide g = Guide.of(so, TOKENIZER, VOCAB);
        int[] prompt = TOKENIZER.encode("Once upon a time");
        int[] out = TOKENIZER.encodeNoSpecial("{\"a\": [1, \"b");
        int[] history = Arrays.copyOf(prompt, prompt.length + out.length);
        System.arraycopy(out, 0, history, prompt.length, out.length);
        BitSet viaHistory = g.allowed(g.position(history, prompt.length));
        BitSet direct = g.allowed(g.position(out, 0));
        assertEquals(direct, viaHistory, "the prompt takes no part");
        assertFalse(direct.isEmpty());
        for (int eos : TOKENIZER.eosTokenIds()) assertFalse(direct.get(eos), "EOS waits for a complete output");
    }

    @Test
    void samplerMasksAndStaysOffTheGreedyBackendPath() {
        StructuredOutput so = StructuredOutput.choice("choice", List.of("yes", "no"));
        SamplingParams p = SamplingParams.builder().maxTokens(8).structuredOutput(so).build();
        assertFalse(Sampler.argmaxOnly(p, 0), "the backend's argmax would skip the mask");
        assertTrue(Sampler.argmaxOnly(SamplingParams.greedy(8), 0));
        float[] logits = new float[VOCAB];
        logits[100] = 50f; // a token neither choice can start with wins unconstrained
        Guide g = Guide.of(so, TOKENIZER, VOCAB);
        int token = Sampler.sample(logits, p, 0L, 0, new int[] {1}, 1, Set.of(2), g);
        String text = new String(TOKENIZER.tokenBytes(token), StandardCharsets.UTF_8).strip();
        assertTrue("yes".startsWith(text) || "no".startsWith(text), text);
    }

    @Test
    void endIdsComeExactlyWhenTheOutputIsComplete() {
        int eos = 2;
        int[] a = TOKENIZER.encodeNoSpecial("a");
        int aToken = a[a.length - 1];
        StructuredOutput so = StructuredOutput.regex("regex", "a+");
        Guide g = Guide.of(so, TOKENIZER, VOCAB);
        float[] eosWins = new float[VOCAB];
        eosWins[eos] = 90f;
        eosWins[300] = 80f;
        SamplingParams p = SamplingParams.builder().maxTokens(8).structuredOutput(so).stopTokenIds(List.of(300)).build();
        int[] start = {1};
        int first = Sampler.sample(eosWins, p, 0L, 0, start, 1, Set.of(eos), g);
        assertTrue(first != eos && first != 300, "an empty output is not complete: no end id");
        int[] afterA = {1, aToken};
        assertEquals(eos, Sampler.sample(eosWins, p, 0L, 1, afterA, 1, Set.of(eos), g), "complete: EOS may come");
        float[] stopWins = eosWins.clone();
        stopWins[300] = 95f;
        assertEquals(300, Sampler.sample(stopWins, p, 0L, 1, afterA, 1, Set.of(eos), g), "a stop token id too");
        SamplingParams ignoring = p.toBuilder().ignoreEos(true).stopTokenIds(List.of()).build();
        assertNotEquals(eos, Sampler.sample(eosWins, ignoring, 0L, 1, afterA, 1, Set.of(eos), g),
                "with ignore_eos EOS is no end id, and has no bytes");
        assertFalse(g.complete(afterA, 1), "'a+' may go on");
        Guide choice = Guide.of(StructuredOutput.choice("choice", List.of("a")), TOKENIZER, VOCAB);
        assertTrue(choice.complete(afterA, 1), "nothing may follow the one choice");
    }

    @Test
    void fingerprintCarriesTheConstraintOnlyWhenSet() {
        SamplingParams plain = SamplingParams.builder().maxTokens(8).seed(1L).build();
        SamplingParams regex = plain.toBuilder().structuredOutput(StructuredOutput.regex("r", "a+")).build();
        SamplingParams other = plain.toBuilder().structuredOutput(StructuredOutput.regex("r", "a*")).build();
        SamplingParams choice = plain.toBuilder().structuredOutput(StructuredOutput.choice("c", List.of("a+"))).build();
        String base = fp(plain);
        assertNotEquals(base, fp(regex));
        assertNotEquals(fp(regex), fp(other));
        assertNotEquals(fp(regex), fp(choice), "the kind is part of it");
        assertEquals(fp(regex), fp(plain.toBuilder().structuredOutput(StructuredOutput.regex("x", "a+")).build()));
        assertEquals(0, Fingerprint.extensionFields(plain).length, "unset: no bytes, old fingerprints stay");
    }

    private static String fp(SamplingParams p) {
        return Fingerprint.of("w", "c", "t", NumericsProfile.values()[0], new int[] {1, 2}, p);
    }
}
