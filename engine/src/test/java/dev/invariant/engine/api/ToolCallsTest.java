package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static dev.invariant.engine.api.ToolCallFormat.HERMES;
import static dev.invariant.engine.api.ToolCallFormat.LLAMA3_JSON;
import static dev.invariant.engine.api.ToolCallFormat.MISTRAL;

import dev.invariant.engine.api.JsonTools.Choice;
import dev.invariant.engine.api.JsonTools.Mode;
import dev.invariant.engine.text.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Calls read from an answer's text per tool_choice, as vLLM's hermes, llama3_json and mistral parsers and its required/named forms read them. */
class ToolCallsTest {
    private static final Choice AUTO = new Choice(Mode.AUTO, null);
    private static final String HASH = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static ToolCall call(int i, String name, String args) {
        return new ToolCall("call_0123456789abcdef01234567_" + i, name, args);
    }

    @Test
    void autoReadsEveryToolCallBlockAndTheContentBefore() {
        var p = ToolCalls.read(HERMES, AUTO, true, "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\":"
                + " {\"city\": \"Rome\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n</tool_call>", HASH);
        assertEquals("Let me check.\n", p.content());
        assertEquals(List.of(call(0, "get_weather", "{\"city\":\"Rome\"}"), call(1, "now", "{}")), p.calls());
        assertEquals("tool_calls", ToolCalls.finishReason(AUTO, p, "stop"));
        assertEquals("length", ToolCalls.finishReason(AUTO, p, "length"));
        // parallel_tool_calls false: the first call only
        assertEquals(1, ToolCalls.read(HERMES, AUTO, false, "<tool_call>{\"name\": \"a\"}</tool_call><tool_call>"
                + "{\"name\": \"b\"}</tool_call>", HASH).calls().size());
    }

    @Test
    void autoWithoutCallsOrWithBrokenOnesIsContent() {
        var plain = ToolCalls.read(HERMES, AUTO, true, "Sunny.", HASH);
        assertEquals("Sunny.", plain.content());
        assertEquals(0, plain.calls().size());
        for (String broken : List.of("<tool_call>\n{\"name\": \"now\", \"argu", "<tool_call>{\"name\": 3}</tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call>")) {
            assertEquals(broken, ToolCalls.read(HERMES, AUTO, true, broken, HASH).content());
            assertEquals(0, ToolCalls.read(HERMES, AUTO, true, broken, HASH).calls().size());
        }
        // an unterminated last block that parses is a call (generation stopped at EOS before </tool_call>)
        var open = ToolCalls.read(HERMES, AUTO, true, "<tool_call>{\"name\": \"now\", \"arguments\": {}}", HASH);
        assertNull(open.content());
        assertEquals(List.of(call(0, "now", "{}")), open.calls());
    }

    @Test
    void requiredAndNamedFormsAndNone() {
        var req = ToolCalls.read(HERMES, new Choice(Mode.REQUIRED, null), true,
                "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}, {\"name\": \"now\", \"parameters\": {}}]",
                HASH);
        assertNull(req.content());
        assertEquals(List.of(call(0, "get_weather", "{\"city\":\"Paris\"}"), call(1, "now", "{}")), req.calls());
        assertEquals(0, ToolCalls.read(HERMES, new Choice(Mode.REQUIRED, null), true, "[{\"name\": \"now\", \"param", HASH)
                .calls().size());
        Choice named = new Choice(Mode.NAMED, "get_weather");
        var n = ToolCalls.read(HERMES, named, true, "{\"city\": \"Paris\"}", HASH);
        assertEquals(List.of(call(0, "get_weather", "{\"city\": \"Paris\"}")), n.calls());
        assertEquals("stop", ToolCalls.finishReason(named, n, "stop"));
        var none = ToolCalls.read(HERMES, Choice.NONE, true, "<tool_call>{\"name\": \"now\"}</tool_call>", HASH);
        assertEquals(0, none.calls().size());
        // a plain prompt has no tools
        assertEquals("x", ToolCalls.read(HERMES, Prompt.text("x"), "x", HASH).content());
    }

    @Test
    void llama3JsonReadsTheWholeAnswerAsCallsSeparatedBySemicolons() {
        var one = ToolCalls.read(LLAMA3_JSON, AUTO, true,
                "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Rome\"}}", HASH);
        assertNull(one.content());
        assertEquals(List.of(call(0, "get_weather", "{\"city\":\"Rome\"}")), one.calls());
        assertEquals("tool_calls", ToolCalls.finishReason(AUTO, one, "stop"));
        // after the python tag, "arguments" read too, several separated by ';'
        var two = ToolCalls.read(LLAMA3_JSON, AUTO, true, "<|python_tag|>{\"name\": \"a\", \"arguments\": {\"x\": [1, {}]}}"
                + " ; {\"name\": \"b\", \"parameters\": {}}\n", HASH);
        assertEquals(List.of(call(0, "a", "{\"x\":[1,{}]}"), call(1, "b", "{}")), two.calls());
        assertEquals(1, ToolCalls.read(LLAMA3_JSON, AUTO, false, "{\"name\": \"a\"}; {\"name\": \"b\"}", HASH).calls().size());
        // prose first, prose after, a cut-off call, a nameless object, hermes blocks: content
        for (String text : List.of("Sure: {\"name\": \"a\", \"parameters\": {}}", "{\"name\": \"a\", \"parameters\": {}} done",
                "{\"name\": \"a\", \"parameters\": {\"x\"", "{\"city\": \"Rome\"}", "{\"name\": \"a\"}; ",
                "<tool_call>{\"name\": \"a\"}</tool_call>", "It is sunny.")) {
            var p = ToolCalls.read(LLAMA3_JSON, AUTO, true, text, HASH);
            assertEquals(text, p.content(), text);
            assertEquals(0, p.calls().size(), text);
        }
    }

    @Test
    void mistralReadsTheArrayAfterTheMarkerOrAloneWithNineCharacterIds() {
        var p = ToolCalls.read(MISTRAL, AUTO, true, "Checking. [TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\":"
                + " {\"city\": \"Rome\"}}, {\"name\": \"now\", \"arguments\": {}}]", HASH);
        assertEquals("Checking. ", p.content());
        assertEquals(List.of(new ToolCall("012345600", "get_weather", "{\"city\":\"Rome\"}"),
                new ToolCall("012345601", "now", "{}")), p.calls());
        for (ToolCall c : p.calls()) assertTrue(c.id().matches("[a-zA-Z0-9]{9}"), c.id());
        // the marker skipped with the special tokens: the array alone
        var bare = ToolCalls.read(MISTRAL, AUTO, true, " [{\"name\": \"now\", \"arguments\": {}}]", HASH);
        assertNull(bare.content());
        assertEquals(List.of("now"), bare.calls().stream().map(ToolCall::name).toList());
        for (String text : List.of("[TOOL_CALLS] [{\"name\": \"now\", \"argu", "[1, 2]", "Sunny [TOOL_CALLS] {\"name\": \"a\"}",
                "It is sunny.")) {
            assertEquals(text, ToolCalls.read(MISTRAL, AUTO, true, text, HASH).content(), text);
        }
    }

    @Test
    void idsStayDistinctPastTheFirstThirtySixCalls() {
        var ids = new java.util.HashSet<String>();
        for (int i = 0; i < 1296; i++) assertTrue(ids.add(MISTRAL.callId(HASH, i)), "call " + i);
        for (String id : ids) assertTrue(id.matches("[a-zA-Z0-9]{9}"), id);
        assertEquals("call_0123456789abcdef01234567_7", HERMES.callId(HASH, 7));
    }
}
