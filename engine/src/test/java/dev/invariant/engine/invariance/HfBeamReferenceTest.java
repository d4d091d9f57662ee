package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.SamplingParams.EarlyStopping;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Beam search against Hugging Face transformers' own ({@code generate(num_beams=...)}, fp32 CPU; the cases and how
 * they were made: {@code bench/device/reference/hf_beam.py}): 6 stories260K prompts x 6 settings of width, n,
 * length_penalty (0, 0.5, 1, 2), early_stopping (true, false, never) and 24 to 200 new tokens, all 36 run as one
 * batched workload. Every returned sequence must be HF's, in HF's order. The scores say how the two normalise:
 * HF divides the cumulative log-probability by the generated length^length_penalty; vLLM 0.4, which the engine
 * follows, by prompt + generated. (No case ends on EOS, where that difference could reorder finished beams.)
 */
class HfBeamReferenceTest {

    @Test
    void everyBeamOutputIsHuggingFacesInItsOrder() throws IOException {
        JsonNode cases = reference().get("cases");
        List<Request> requests = new ArrayList<>();
        for (JsonNode c : cases) {
            String early = c.get("early_stopping").asText();
            SamplingParams p = SamplingParams.builder().temperature(0f).maxTokens(c.get("max_new_tokens").asInt())
                    .useBeamSearch(true).n(c.get("num_return_sequences").asInt()).bestOf(c.get("num_beams").asInt())
                    .lengthPenalty((float) c.get("length_penalty").asDouble())
                    .earlyStopping(EarlyStopping.valueOf(early.toUpperCase(java.util.Locale.ROOT))).build();
            requests.add(new Request("case-" + requests.size(), new Prompt.TokenIds(ids(c.get("prompt_ids"))), p));
        }
        assertEquals(36, requests.size());
        try (Engine engine = Engine.open(BatchInvarianceTest.base("stories260K"))) {
            List<GenerationResult> results = engine.generateAll(requests, (done, total, tokens) -> { });
            for (int i = 0; i < requests.size(); i++) {
                JsonNode c = cases.get(i);
                GenerationResult r = results.get(i);
                String what = "case " + i + " (" + c.get("prompt").asText() + ", beams " + c.get("num_beams")
                        + ", n " + c.get("num_return_sequences") + ", length_penalty " + c.get("length_penalty")
                        + ", early_stopping " + c.get("early_stopping") + ", " + c.get("max_new_tokens") + " tokens)";
                assertNull(r.error(), what);
                JsonNode hf = c.get("outputs");
                assertEquals(hf.size(), r.outputs().size(), what);
                for (int k = 0; k < hf.size(); k++) {
                    SequenceOutput out = r.outputs().get(k);
                    int[] expected = ids(hf.get(k).get("token_ids"));
                    assertArrayEquals(expected, out.tokenIds(), what + ", output " + k);
                    double hfScore = hf.get(k).get("sequence_score").asDouble();
                    double generatedLength = Math.pow(expected.length, c.get("length_penalty").asDouble());
                    assertEquals(hfScore, out.cumulativeLogprob() / generatedLength,
                            1e-4 * Math.max(1, Math.abs(hfScore)), what + ", score of output " + k);
                }
            }
        }
    }

    static JsonNode reference() throws IOException {
        try (InputStream in = HfBeamReferenceTest.class.getResourceAsStream("/hf-reference/beam-search.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    private static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
