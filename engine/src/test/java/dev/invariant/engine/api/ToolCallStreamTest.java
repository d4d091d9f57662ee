package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.api.JsonTools.Mode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What a stream may send of an answer's content before its end: over every prefix of random answers made of call
 * markers, calls, broken calls, prose and white space, the certain part never shrinks and is always a prefix of the
 * content the whole answer's calls are read with (nothing when that content is none).
 */
class ToolCallStreamTest {
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final List<String> PIECES = List.of("Hello", " ", "\n", "x", "<tool_call>", "</tool_call>", "<tool",
            "<tool_c", "{\"name\": \"f\", \"arguments\": {\"a\": 1}}", "{\"name\": \"g\", \"parameters\": {}}", ";",
            "<|python_tag|>", "<|py", "[TOOL_CALLS]", "[TOOL", "[", "]", "[{\"name\": \"f\", \"arguments\": {}}]", "{",
            "}", "\"");

    @Test
    void theCertainPartGrowsAndIsAlwaysAPrefixOfTheWholeAnswersContent() {
        var random = new Random(2026_12_06L);
        for (Mode mode : Mode.values()) {
            Choice choice = new Choice(mode, mode == Mode.NAMED ? "f" : null);
            for (ToolCallFormat format : ToolCallFormat.values()) {
                for (int round = 0; round < 3000; round++) {
                    var text = new StringBuilder();
                    for (int k = random.nextInt(9); k > 0; k--) text.append(PIECES.get(random.nextInt(PIECES.size())));
                    check(format, choice, text.toString());
                }
            }
        }
    }

    @Test
    void examples() {
        Choice auto = new Choice(Mode.AUTO, null);
        assertEquals(3, ToolCallStream.certain(ToolCallFormat.HERMES, auto, "Hi <tool"), "the marker's start waits");
        assertEquals(3, ToolCallStream.certain(ToolCallFormat.HERMES, auto, "Hi <tool_call>{"));
        assertEquals(0, ToolCallStream.certain(ToolCallFormat.HERMES, auto, "\n <tool_call>"), "blank: no content");
        assertEquals(0, ToolCallStream.certain(ToolCallFormat.LLAMA3_JSON, auto, " {\"name\""));
        assertEquals(0, ToolCallStream.certain(ToolCallFormat.LLAMA3_JSON, auto, "<|py"));
        assertEquals(6, ToolCallStream.certain(ToolCallFormat.LLAMA3_JSON, auto, "Sunny."));
        assertEquals(0, ToolCallStream.certain(ToolCallFormat.MISTRAL, auto, "[{\"name\""));
        assertEquals(3, ToolCallStream.certain(ToolCallFormat.MISTRAL, auto, "Ok [TOOL_CALLS]"));
        assertEquals(5, ToolCallStream.certain(ToolCallFormat.HERMES, Choice.NONE, "Hi <t"), "no tools: all content");
        assertEquals(0, ToolCallStream.certain(ToolCallFormat.HERMES, new Choice(Mode.REQUIRED, null), "Hi"));
    }

    private static void check(ToolCallFormat format, Choice choice, String text) {
        String content = ToolCalls.read(format, choice, true, text, HASH).content();
        int before = 0;
        for (int i = 0; i <= text.length(); i++) {
            int n = ToolCallStream.certain(format, choice, text.substring(0, i));
            String at = format + " " + choice.mode() + " " + text + " at " + i;
            assertTrue(n >= before, "took back content: " + at);
            assertTrue(content == null ? n == 0 : content.startsWith(text.substring(0, n)),
                    "sent " + text.substring(0, n) + " of content " + content + ": " + at);
            before = n;
        }
    }
}
