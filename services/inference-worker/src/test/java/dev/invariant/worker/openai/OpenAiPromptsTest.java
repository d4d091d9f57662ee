package dev.invariant.worker.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Timings;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.engine.api.TokenLogprob.Alternative;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The prompt's log-probabilities in vLLM's and OpenAI's shapes, from a result as the engine gives it. */
class OpenAiPromptsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final IntFunction<String> TEXT = id -> "<" + id + ">";

    /** Prompt 5, 7, 9: token 7 is the second most likely at its position, token 9 not among the top 2. */
    private static final GenerationResult RESULT = new GenerationResult("r", new int[] {5, 7, 9}, new int[] {4}, "<4>",
            FinishReason.LENGTH, "f", "h", NumericsProfile.PORTABLE, 0L, Timings.NONE, List.of(), null,
            List.of(new TokenLogprob(4, -0.5f, List.of(new Alternative(4, -0.5f), new Alternative(3, -1.5f)))))
            .withPromptLogprobs(List.of(
                    new TokenLogprob(7, -1.25f, List.of(new Alternative(8, -0.75f), new Alternative(7, -1.25f),
                            new Alternative(6, -1.25f))),
                    new TokenLogprob(9, -4f, List.of(new Alternative(2, -0.25f), new Alternative(3, -2f),
                            new Alternative(1, -3f)))));

    @Test
    void vllmShapeRanksTheAlternativesAndThePromptTokenOnlyWhenItIsOne() throws Exception {
        assertEquals(JSON.readTree("""
                [null,
                 {"7": {"logprob": -1.25, "rank": 2, "decoded_token": "<7>"},
                  "8": {"logprob": -0.75, "rank": 1, "decoded_token": "<8>"}},
                 {"9": {"logprob": -4.0, "decoded_token": "<9>"},
                  "2": {"logprob": -0.25, "rank": 1, "decoded_token": "<2>"},
                  "3": {"logprob": -2.0, "rank": 2, "decoded_token": "<3>"}}]
                """), reread(OpenAiPrompts.vllm(RESULT, 2, TEXT)));
    }

    @Test
    void echoedLogprobsListThePromptFirstWithNullForItsFirstToken() throws Exception {
        assertEquals(JSON.readTree("""
                {"tokens": ["<5>", "<7>", "<9>", "<4>"],
                 "token_logprobs": [null, -1.25, -4.0, -0.5],
                 "top_logprobs": [null, {"<8>": -0.75, "<7>": -1.25}, {"<2>": -0.25, "<9>": -4.0},
                                  {"<4>": -0.5, "<3>": -1.5}],
                 "text_offset": [0, 3, 6, 9]}
                """), reread(OpenAiLogprobs.echoed(RESULT.promptTokenIds(), RESULT.promptLogprobs(), 1,
                RESULT.logprobs(), TEXT)));
    }

    @Test
    void promptOnlyHidesTheTokenTheEngineRanButKeepsTheRunsIdentity() {
        GenerationResult p = OpenAiPrompts.promptOnly(RESULT);
        assertEquals(0, p.tokenIds().length);
        assertEquals("", p.text());
        assertEquals(FinishReason.LENGTH, p.finishReason());
        assertEquals(List.of(), p.logprobs());
        assertEquals(RESULT.promptLogprobs(), p.promptLogprobs());
        assertEquals("h", p.outputHash());
        assertEquals("f", p.fingerprint());
    }

    /** As a client reads it: numbers as JSON text, so a binary32 compares with the literal above. */
    private static com.fasterxml.jackson.databind.JsonNode reread(com.fasterxml.jackson.databind.JsonNode n)
            throws Exception {
        return JSON.readTree(n.toString());
    }
}
