package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.api.JsonTools.Mode;
import dev.invariant.engine.text.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Calls read from an answer's text per tool_choice, as vLLM's hermes parser and its required/named forms read them. */
class ToolCallsTest {
    private static final Choice AUTO = new Choice(Mode.AUTO, null);
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static ToolCall call(int i, String name, String args) {
        return new ToolCall("call_0123456789abcdef01234567_" + i, name, args);
    }

    @Test
    void autoReadsEveryToolCallBlockAndTheContentBefore() {
        var p = ToolCalls.read(AUTO, true, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\":"
                + " {\"city\": \"Rome\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>", HASH);
        assertEquals("Let me check.\n", p.content());
        assertEquals(List.of(call(0, "get_weather", "{\"city\":\"Rome\"}"), call(1, "now", "{}")), p.calls());
        assertEquals("tool_calls", ToolCalls.finishReason(AUTO, p, "stop"));
        assertEquals("length", ToolCalls.finishReason(AUTO, p, "length"));
        // parallel_tool_calls false: the first call only
        assertEquals(1, ToolCalls.read(AUTO, false, "<tool_call>{\"name\": \"a\"}</tool_call><tool_call>"
                + "{\"name\": \"b\"}</tool_call>", HASH).calls().size());
    }

    @Test
    void autoWithoutCallsOrWithBrokenOnesIsContent() {
        var plain = ToolCalls.read(AUTO, true, "Sunny.", HASH);
        assertEquals("Sunny.", plain.content());
        assertEquals(0, plain.calls().size());
        for (String broken : List.of("<tool_call>\n{\"name\": \"now\", \"argu", "<tool_call>{\"name\": 3}</tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call>")) {
            assertEquals(broken, ToolCalls.read(AUTO, true, broken, HASH).content());
            assertEquals(0, ToolCalls.read(AUTO, true, broken, HASH).calls().size());
        }
        // an unterminated last block that parses is a call (generation stopped at EOS before </tool_call>)
        var open = ToolCalls.read(AUTO, true, "<tool_call>{\"name\": \"now\", \"arguments\": {}}", HASH);
        assertNull(open.content());
        assertEquals(List.of(call(0, "now", "{}")), open.calls());
    }

    @Test
    void requiredAndNamedFormsAndNone() {
        var req = ToolCalls.read(new Choice(Mode.REQUIRED, null), true,
                "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}, {\"name\": \"now\", \"parameters\": {}}]",
                HASH);
        assertNull(req.content());
        assertEquals(List.of(call(0, "get_weather", "{\"city\":\"Paris\"}"), call(1, "now", "{}")), req.calls());
        assertEquals(0, ToolCalls.read(new Choice(Mode.REQUIRED, null), true, "[{\"name\": \"now\", \"param", HASH)
                .calls().size());
        Choice named = new Choice(Mode.NAMED, "get_weather");
        var n = ToolCalls.read(named, true, "{\"city\": \"Paris\"}", HASH);
        assertEquals(List.of(call(0, "get_weather", "{\"city\": \"Paris\"}")), n.calls());
        assertEquals("stop", ToolCalls.finishReason(named, n, "stop"));
        var none = ToolCalls.read(Choice.NONE, true, "<tool_call>{\"name\": \"now\"}</tool_call>", HASH);
        assertEquals(0, none.calls().size());
        // a plain prompt has no tools
        assertEquals("x", ToolCalls.read(Prompt.text("x"), "x", HASH).content());
    }
}
