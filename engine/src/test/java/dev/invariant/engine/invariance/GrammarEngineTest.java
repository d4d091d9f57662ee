package dev.invariant.engine.invariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.sample.structured.GrammarReference;
import dev.invariant.engine.sample.structured.StructuredOutput;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Grammar-constrained outputs ({@code guided_grammar}) through the real engine on stories260K: every output is in
 * the grammar's language, as a recogniser written apart from the automaton decides, and the bits do not depend on
 * the batch.
 */
class GrammarEngineTest {
    private static final String MODEL = "stories260K";
    private static final String PROMPT = "Once upon a time";
    private static final int EOS = 2;
    /** Nested parentheses (recursion), bounded repeats and a class. */
    private static final String GRAMMAR = """
            root     ::= sentence (" " sentence)?
            sentence ::= phrase "."
            phrase   ::= word (" " word){1,4} | "(" phrase ")" # a phrase may nest
            word     ::= [a-z]{1,8} | "Tom" | "Lily"
            """;

    private static Map<String, GenerationResult> run(Request... requests) {
        return Run.together(MODEL, requests);
    }

    private static Request request(String id, SamplingParams.Builder b, StructuredOutput so) {
        return new Request(id, Prompt.text(PROMPT), b.structuredOutput(so).build());
    }

    @Test
    void outputsAreInTheLanguageGreedySampledSamplesAndBeams() {
        StructuredOutput so = StructuredOutput.grammar("guided_grammar", GRAMMAR);
        var r = run(request("greedy", SamplingParams.builder().maxTokens(80), so),
                request("sampled", SamplingParams.builder().maxTokens(80).temperature(1f).seed(4L), so),
                request("hot", SamplingParams.builder().maxTokens(80).temperature(1.5f).seed(9L), so),
                request("samples", SamplingParams.builder().maxTokens(80).temperature(0.9f).seed(8L).n(3), so),
                request("beams", SamplingParams.builder().maxTokens(80).useBeamSearch(true).n(2).bestOf(3), so));
        GrammarReference oracle = GrammarReference.of(GRAMMAR);
        for (GenerationResult g : r.values()) {
            assertTrue(g.ok(), g.requestId() + ": " + g.error());
            assertEquals(FinishReason.STOP, g.finishReason(), g.requestId() + ": " + g.text());
            for (String text : Run.texts(g)) assertTrue(oracle.matches(text), g.requestId() + ": " + text);
        }
        assertEquals(3, r.get("samples").outputs().size());
        int[] greedy = r.get("greedy").tokenIds();
        assertEquals(EOS, greedy[greedy.length - 1], "a complete output ends with the model's EOS");
    }

    @Test
    void aDeadEndFailsTheRequest() {
        var tokenizer = dev.invariant.engine.text.Tokenizer.load(dev.invariant.engine.TestAssets.model(MODEL));
        int[] a = tokenizer.encodeNoSpecial("a");
        var g = run(request("dead", SamplingParams.builder().maxTokens(8).allowedTokenIds(List.of(a[a.length - 1], EOS)),
                StructuredOutput.grammar("guided_grammar", "root ::= [0-9]+ | \"(\" root \")\""))).get("dead");
        assertFalse(g.ok());
        assertEquals(ErrorCode.INVALID_PARAM, g.error().code());
        assertTrue(g.error().getMessage().contains("cannot be continued"), g.error().getMessage());
    }

    /** The same constrained requests alone and among unconstrained companions, preempted and recomputed. */
    @Test
    void batchInvariantWithUnconstrainedCompanions() {
        StructuredOutput so = StructuredOutput.grammar("guided_grammar", GRAMMAR);
        List<Request> subjects = List.of(
                request("grammar-greedy", SamplingParams.builder().maxTokens(40), so),
                request("grammar-sampled", SamplingParams.builder().maxTokens(40).temperature(0.9f).seed(5L), so),
                request("grammar-hot", SamplingParams.builder().maxTokens(30).temperature(1.4f).seed(6L), so));
        Run.assertInvariantAmongCompanions(MODEL, subjects, 22);
    }
}
