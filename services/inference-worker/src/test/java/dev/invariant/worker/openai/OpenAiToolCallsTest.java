package dev.invariant.worker.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.api.JsonTools.Mode;
import dev.invariant.worker.openai.OpenAiToolCalls.Call;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Calls read from an answer's text per tool_choice, as vLLM's hermes parser and its required/named forms read them. */
class OpenAiToolCallsTest {
    private static final Choice AUTO = new Choice(Mode.AUTO, null);

    @Test
    void autoReadsEveryToolCallBlockAndTheContentBefore() {
        var p = OpenAiToolCalls.parse(AUTO, true, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\":"
                + " {\"city\": \"Rome\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>");
        assertEquals("Let me check.\n", p.content());
        assertEquals(List.of(new Call("get_weather", "{\"city\":\"Rome\"}"), new Call("now", "{}")), p.calls());
        assertEquals("tool_calls", OpenAiToolCalls.finishReason(AUTO, p, "stop"));
        assertEquals("length", OpenAiToolCalls.finishReason(AUTO, p, "length"));
        // parallel_tool_calls false: the first call only
        assertEquals(1, OpenAiToolCalls.parse(AUTO, false, "<tool_call>{\"name\": \"a\"}</tool_call><tool_call>"
                + "{\"name\": \"b\"}</tool_call>").calls().size());
    }

    @Test
    void autoWithoutCallsOrWithBrokenOnesIsContent() {
        var plain = OpenAiToolCalls.parse(AUTO, true, "Sunny.");
        assertEquals("Sunny.", plain.content());
        assertEquals(0, plain.calls().size());
        assertEquals("stop", OpenAiToolCalls.finishReason(AUTO, plain, "stop"));
        String broken = "<tool_call>\n{\"name\": \"now\", \"argu";
        assertEquals(broken, OpenAiToolCalls.parse(AUTO, true, broken).content());
        assertEquals(0, OpenAiToolCalls.parse(AUTO, true, broken).calls().size());
        // an unterminated last block that parses is a call (generation stopped at EOS before </tool_call>)
        var open = OpenAiToolCalls.parse(AUTO, true, "<tool_call>{\"name\": \"now\", \"arguments\": {}}");
        assertNull(open.content());
        assertEquals(List.of(new Call("now", "{}")), open.calls());
    }

    @Test
    void requiredAndNamedFormsAndNone() {
        var req = OpenAiToolCalls.parse(new Choice(Mode.REQUIRED, null), true,
                "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}, {\"name\": \"now\", \"parameters\": {}}]");
        assertNull(req.content());
        assertEquals(List.of(new Call("get_weather", "{\"city\":\"Paris\"}"), new Call("now", "{}")), req.calls());
        Choice named = new Choice(Mode.NAMED, "get_weather");
        var n = OpenAiToolCalls.parse(named, true, "{\"city\": \"Paris\"}");
        assertEquals(List.of(new Call("get_weather", "{\"city\": \"Paris\"}")), n.calls());
        assertEquals("stop", OpenAiToolCalls.finishReason(named, n, "stop"));
        var none = OpenAiToolCalls.parse(Choice.NONE, true, "<tool_call>{\"name\": \"now\"}</tool_call>");
        assertEquals(0, none.calls().size());
    }
}
