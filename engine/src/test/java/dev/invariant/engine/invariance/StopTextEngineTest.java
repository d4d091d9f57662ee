package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The text of an output that a stop ended, as vLLM makes it: without include_stop_str_in_output neither the stop
 * string nor the text of the EOS or stop_token_ids token that ended it; with it, both; skip_special_tokens false gives
 * special tokens their text. The token ids and output hash never change. On stories260K (EOS id 2, "</s>").
 */
class StopTextEngineTest {
    private static final String MODEL = "stories260K";
    private static final int EOS = 2;

    private static SamplingParams.Builder greedy(int maxTokens) {
        return SamplingParams.builder().maxTokens(maxTokens);
    }

    private static Map<String, GenerationResult> run(Request... requests) {
        return Run.togetherOk(MODEL, requests);
    }

    private static Request request(String id, SamplingParams p) {
        return new Request(id, Prompt.text("Once upon a time"), p);
    }

    private static String decode(int[] ids, int n, boolean skip) {
        try (Tokenizer t = Tokenizer.load(TestAssets.model(MODEL))) {
            return t.decode(Arrays.copyOf(ids, n), skip);
        }
    }

    @Test
    void aStopTokenAddsItsTextOnlyWithIncludeStopStr() {
        int[] plain = run(request("plain", greedy(40).build())).get("plain").tokenIds();
        int stopId = plain[6];
        int at = 0;
        while (plain[at] != stopId) at++;
        var r = run(request("without", greedy(40).stopTokenIds(List.of(stopId)).build()),
                request("with", greedy(40).stopTokenIds(List.of(stopId)).includeStopStrInOutput(true).build()),
                request("beams", greedy(40).stopTokenIds(List.of(stopId)).useBeamSearch(true).n(2).build()));
        int[] expected = Arrays.copyOf(plain, at + 1);
        for (String id : List.of("without", "with")) {
            assertArrayEquals(expected, r.get(id).tokenIds(), id);
            assertEquals(FinishReason.STOP, r.get(id).finishReason(), id);
        }
        assertEquals(r.get("without").outputHash(), r.get("with").outputHash(), "the same tokens");
        assertEquals(decode(plain, at, true), r.get("without").text());
        assertEquals(decode(plain, at + 1, true), r.get("with").text());
        assertNotEquals(r.get("without").text(), r.get("with").text(), "token " + stopId + " has text");
        for (var o : r.get("beams").outputs()) {
            if (o.finishReason() != FinishReason.STOP) continue;
            assertEquals(decode(o.tokenIds(), o.tokenIds().length - 1, true), o.text(), "beam " + o.index());
        }
    }

    @Test
    void aStopStringStaysWithIncludeStopStr() {
        GenerationResult plain = run(request("plain", greedy(60).build())).get("plain");
        String word = "Lily";
        int at = plain.text().indexOf(word);
        assertTrue(at > 0, plain.text());
        var r = run(request("without", greedy(60).stop(List.of(word)).build()),
                request("with", greedy(60).stop(List.of("never there", word)).includeStopStrInOutput(true).build()),
                request("beam", greedy(60).stop(List.of(word)).includeStopStrInOutput(true).useBeamSearch(true)
                        .build()));
        assertEquals(plain.text().substring(0, at), r.get("without").text());
        assertEquals(plain.text().substring(0, at + word.length()), r.get("with").text());
        assertArrayEquals(r.get("without").tokenIds(), r.get("with").tokenIds());
        assertTrue(r.get("beam").text().endsWith(word), r.get("beam").text());
    }

    @Test
    void specialTokensHaveTextOnlyWhenNotSkipped() {
        SamplingParams.Builder eos = greedy(8).logitBias(Map.of(EOS, 100f));
        var r = run(request("default", eos.build()),
                request("include", greedy(8).logitBias(Map.of(EOS, 100f)).includeStopStrInOutput(true).build()),
                request("keep", greedy(8).logitBias(Map.of(EOS, 100f)).skipSpecialTokens(false).build()),
                request("both", greedy(8).logitBias(Map.of(EOS, 100f)).skipSpecialTokens(false)
                        .includeStopStrInOutput(true).build()),
                request("ignoring", greedy(3).logitBias(Map.of(EOS, 100f)).skipSpecialTokens(false).ignoreEos(true)
                        .build()));
        for (String id : List.of("default", "include", "keep", "both")) {
            assertArrayEquals(new int[] {EOS}, r.get(id).tokenIds(), id);
        }
        assertEquals("", r.get("default").text());
        assertEquals("", r.get("include").text(), "EOS is special: skipped");
        assertEquals("", r.get("keep").text(), "the EOS that ends the output is left out without include");
        assertEquals("</s>", r.get("both").text());
        assertEquals("</s></s></s>", r.get("ignoring").text(), "EOS ends nothing under ignore_eos: its text is kept");
    }
}
