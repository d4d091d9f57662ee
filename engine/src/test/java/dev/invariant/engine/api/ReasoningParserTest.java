package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.ReasoningParser.Split;
import dev.invariant.engine.text.ChatTemplate;
import dev.invariant.engine.text.Tokenizer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A chat answer's thinking told from its content as vLLM's reasoning parsers tell them, and a stream's parts adding
 * up to the whole answer's, whatever the text and wherever the deltas fall.
 */
class ReasoningParserTest {
    private static final ReasoningParser Q = ReasoningParser.QWEN3;
    private static final ReasoningParser R1 = ReasoningParser.DEEPSEEK_R1;

    @Test
    void aBlockIsTheReasoningAndWhatFollowsItTheContent() {
        assertEquals(new Split("abc", "xyz"), Q.split(false, "<think>abc</think>xyz"));
        assertEquals(new Split("\nabc\n", "\n\nxyz"), Q.split(false, "\n<think>\nabc\n</think>\n\nxyz"));
        assertEquals(new Split("abc", null), Q.split(false, "<think>abc</think>"));
        assertEquals(new Split("abc", "xyz"), R1.split(false, "<think>abc</think>xyz"));
        // only the first block counts: a later tag is content
        assertEquals(new Split("a", "b<think>c</think>d"), Q.split(false, "<think>a</think>b<think>c</think>d"));
    }

    @Test
    void whereTheBlockStartsDependsOnThePromptAndTheParser() {
        // the prompt left <think> open (DeepSeek-R1's and Qwen3 thinking models' templates): reasoning from the start
        assertEquals(new Split("abc", "xyz"), Q.split(true, "abc</think>xyz"));
        assertEquals(new Split("abc", "xyz"), R1.split(true, "abc</think>xyz"));
        // no block opened: Qwen3's answer is content (enable_thinking false), R1's is reasoning up to </think>
        assertEquals(new Split(null, "abc</think>xyz"), Q.split(false, "abc</think>xyz"));
        assertEquals(new Split("abc", "xyz"), R1.split(false, "abc</think>xyz"));
        assertEquals(new Split(null, "plain"), Q.split(false, "plain"));
        assertEquals(new Split("plain", null), R1.split(false, "plain"));
        // a block cut short by max_tokens is reasoning to the end, with no content
        assertEquals(new Split("still thinking", null), Q.split(false, "<think>still thinking"));
        assertEquals(new Split("", null), Q.split(true, ""));
        assertEquals(new Split(null, "any <think>a</think>b"), ReasoningParser.NONE.split(true, "any <think>a</think>b"));
    }

    @Test
    void aStreamHoldsBackOnlyWhatATagMayStillBecome() {
        assertEquals(new Split("", ""), Q.stable(false, " \n<thi"));   // a block may still open
        assertEquals(new Split(null, "<thx"), Q.stable(false, "<thx"));   // it will not
        assertEquals(new Split("abc", ""), Q.stable(false, "<think>abc</th"));
        assertEquals(new Split("abc<", ""), Q.stable(true, "abc<</"));
        assertEquals(new Split("abc", "x</think"), R1.stable(false, "abc</think>x</think"));
    }

    /** Every prefix's stable parts are prefixes of the next prefix's and of the whole answer's, for random texts. */
    @Test
    void aStreamsDeltasAddUpToTheWholeAnswer() {
        String[] pieces = {"<think>", "</think>", "<", "</", "</th", "<thi", "ink>", "a", "bc", " ", "\n", "é", ">"};
        Random random = new Random(42);
        int checked = 0;
        for (int trial = 0; trial < 3_000; trial++) {
            StringBuilder b = new StringBuilder();
            for (int i = random.nextInt(9); i >= 0; i--) b.append(pieces[random.nextInt(pieces.length)]);
            String text = b.toString();
            for (ReasoningParser p : ReasoningParser.values()) {
                for (boolean opens : new boolean[] {false, true}) {
                    Split whole = p.split(opens, text);
                    Split before = new Split("", "");
                    for (int n = 0; n <= text.length(); n++) {
                        Split now = p.stable(opens, text.substring(0, n));
                        String where = p + " opens=" + opens + " text=" + text.replace("\n", "\\n") + " n=" + n;
                        assertTrue(now.reasoningText().startsWith(before.reasoningText()), where);
                        assertTrue(now.contentText().startsWith(before.contentText()), where);
                        assertTrue(whole.reasoningText().startsWith(now.reasoningText()), where);
                        assertTrue(whole.contentText().startsWith(now.contentText()), where);
                        before = now;
                        checked++;
                    }
                    // nothing is lost or added: the parts and the tags they dropped make the text
                    assertTrue(text.length() >= whole.reasoningText().length() + whole.contentText().length());
                    if (whole.reasoning() == null) assertEquals(text, whole.contentText());
                }
            }
        }
        assertTrue(checked > 100_000, "prefixes checked: " + checked);
    }

    @Test
    void vllmNamesAndTheTemplateDecideTheParser() {
        assertEquals(ReasoningParser.NONE, ReasoningParser.of("none"));
        assertEquals(ReasoningParser.NONE, ReasoningParser.of(""));
        assertNull(ReasoningParser.of("auto"));
        assertEquals(Q, ReasoningParser.of("qwen3"));
        assertEquals(R1, ReasoningParser.of(" deepseek_r1 "));
        var e = assertThrows(EngineException.class, () -> ReasoningParser.of("granite"));
        assertTrue(e.getMessage().contains("reasoning_parser='granite'") && e.getMessage().contains("deepseek_r1"),
                e.getMessage());
        // Qwen3's ChatML template writes <think> blocks; DeepSeek-R1's opens one after its assistant tag
        assertEquals(Q, ReasoningParser.detect("<|im_start|>assistant\\n{%- if enable_thinking is defined and"
                + " enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"));
        assertEquals(R1, ReasoningParser.detect("{{'<｜Assistant｜><think>\\n'}}"));
        try (Tokenizer t = Tokenizer.load(TestAssets.model("tiny-qwen2"))) {
            assertEquals(ReasoningParser.NONE, ReasoningParser.detect(t.chatTemplate().map(ChatTemplate::source)
                    .orElse(null)));
        }
        assertEquals(ReasoningParser.NONE, ReasoningParser.detect(null));
    }

    @Test
    void thePromptsLastTokensSayWhetherABlockIsOpen() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"))) {
            String turn = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
            assertTrue(ReasoningParser.opens(t, t.encodeNoSpecial(turn + "<think>\n")));
            assertTrue(ReasoningParser.opens(t, t.encodeNoSpecial(turn + "<think>")));
            assertFalse(ReasoningParser.opens(t, t.encodeNoSpecial(turn + "<think>\n\n</think>\n\n")));
            assertFalse(ReasoningParser.opens(t, t.encodeNoSpecial(turn)));
            // continue_final_message inside the thinking, and after it
            assertTrue(ReasoningParser.opens(t, t.encodeNoSpecial(turn + "<think>\nFirst, the distance")));
            assertFalse(ReasoningParser.opens(t, t.encodeNoSpecial(turn + "<think>\nok\n</think>\n\nRome is")));
            assertFalse(ReasoningParser.opens(t, new int[0]));
        }
    }
}
