package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {
    private static final List<ChatMessage> HI = List.of(new ChatMessage("user", "hi"));

    @Test
    void withoutGenerationPromptTheAssistantHeaderIsLeftOut() throws IOException {
        JsonNode c = TokenizerGoldenTest.golden("qwen2-tokenizer", "tokenizer-golden.json").get("chat_template_cases").get(1);
        List<ChatMessage> messages = new ArrayList<>();
        for (JsonNode m : c.get("messages")) messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
        assertEquals("system", messages.getFirst().role(), "this case has its own system prompt");
        String header = "<|im_start|>assistant\n";
        String withPrompt = c.get("rendered").asText();
        assertTrue(withPrompt.endsWith(header));
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"))) {
            String rendered = t.chatTemplate().orElseThrow().render(messages, false);
            assertEquals(withPrompt.substring(0, withPrompt.length() - header.length()), rendered);
        }
    }

    @Test
    void specialTokenVariablesAreBound() {
        var t = new ChatTemplate("{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
                + "{{ eos_token }}", Map.of("bos_token", "<s>", "eos_token", "</s>"));
        assertEquals("<s>[user]hi</s>", t.render(HI, false));
    }

    /**
     * strftime_now: a template that asks whether it is defined (Llama 3.1/3.2's) is told no and takes its fixed date,
     * so its prompt does not depend on the day; one that calls it anyway (SmolLM3's) gets today's date (UTC), as in
     * transformers, instead of failing.
     */
    @Test
    void strftimeNowIsNotDefinedButCallable() {
        var asks = new ChatTemplate("{% if strftime_now is defined %}{{ strftime_now('%d %b %Y') }}"
                + "{% else %}26 Jul 2024{% endif %}", Map.of());
        assertEquals("26 Jul 2024", asks.render(HI, false));
        var calls = new ChatTemplate("{%- set today = strftime_now('%Y-%m-%d') -%}Today Date: {{ today }}", Map.of());
        String before = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        String rendered = calls.render(HI, false);
        String after = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertTrue(rendered.equals("Today Date: " + before) || rendered.equals("Today Date: " + after), rendered);
    }

    @Test
    void aMessageIsTextNeverTemplateCode() {
        var t = new ChatTemplate("{% for m in messages %}{{ m.content }}{% endfor %}", Map.of());
        for (String content : List.of("{{ 7 * 7 }}", "{{ messages }}", "{% raw %}", "{% for x in y %}", "{# c #}")) {
            assertEquals(content, t.render(List.of(new ChatMessage("user", content)), false));
        }
    }

    @Test
    void oneTrailingNewlineOfTheSourceIsDroppedButPrintedNewlinesStay() {
        assertEquals("a", new ChatTemplate("a\n", Map.of()).render(HI, false));
        assertEquals("a\n", new ChatTemplate("a\n\n", Map.of()).render(HI, false));
        assertEquals("x\n", new ChatTemplate("{{ 'x\\n' }}\n", Map.of()).render(HI, false));
    }

    @Test
    void blocksTrimTheirNewlineAndLeadingIndentLikeTransformers() {
        var t = new ChatTemplate("{% for m in messages %}\n    {% if m.role == 'user' %}\nU:{{ m.content }}\n"
                + "    {% endif %}\n{% endfor %}", Map.of());
        assertEquals("U:hi\n", t.render(HI, false));
    }

    @Test
    void onlyIndentAtALineStartIsStrippedBeforeABlock() {
        var t = new ChatTemplate("{% for m in messages %}{{ m.role }} {% endfor %}|a  {% if true %}b{% endif %}|\n"
                + "  {% if true %}c{% endif %}|\n  {%+ if true %}d{% endif %}|\n\t{# note #}e", Map.of());
        assertEquals("user |a  b|\nc|\n  d|\ne", t.render(HI, false));
    }

    @Test
    void raiseExceptionRejectsTheConversation() {
        var t = new ChatTemplate("{% if messages[0]['role'] != 'system' %}{{ raise_exception('System first!') }}"
                + "{% endif %}ok", Map.of());
        var e = assertThrows(EngineException.class, () -> t.render(HI, true));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertTrue(e.getMessage().contains("System first!"), e.getMessage());
        assertEquals("ok", t.render(List.of(new ChatMessage("system", "s")), true));
    }

    @Test
    void tojsonWritesLikePythonJsonDumps() {
        var t = new ChatTemplate("{{ messages | tojson }}", Map.of());
        assertEquals("[{\"role\": \"user\", \"content\": \"q\\\"\\n é\"}]",
                t.render(List.of(new ChatMessage("user", "q\"\n é")), false));
    }

    @Test
    void pythonStringMethodsBehaveAsInPython() {
        List<ChatMessage> think = List.of(new ChatMessage("assistant", "<think>\nhmm\n</think>\n\nAnswer.  "));
        var t = new ChatTemplate("{% set c = messages[0].content %}"
                + "{{ c.split('</think>')[-1].lstrip('\n') }}|{{ c.startswith(('<a>', '<think>')) }}|"
                + "{{ c.endswith('</think>') }}|{{ c.rstrip() }}|{{ 'a.b..c.'.split('.') | length }}|"
                + "{{ '  a  b '.split() | join(',') }}|{{ 'a,b,c'.split(',', 1)[1] }}|{{ ' x '.strip() }}", Map.of());
        assertEquals("Answer.  |True|False|<think>\nhmm\n</think>\n\nAnswer.|5|a,b|b,c|x", t.render(think, false));
    }

    @Test
    void reversedSliceWalksMessagesBackwards() {
        var t = new ChatTemplate("{% for m in messages[::-1] %}{{ loop.index0 }}{{ m.role }} {% endfor %}", Map.of());
        assertEquals("0assistant 1user ",
                t.render(List.of(new ChatMessage("user", "q"), new ChatMessage("assistant", "a")), false));
    }

    @Test
    void namespaceAssignmentsSurviveLoops() {
        var t = new ChatTemplate("{% set ns = namespace(last=-1) %}{% for m in messages %}"
                + "{% if m.role == 'user' %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}{{ ns.last }}", Map.of());
        assertEquals("2", t.render(List.of(new ChatMessage("user", "q"), new ChatMessage("assistant", "a"),
                new ChatMessage("user", "q2"), new ChatMessage("assistant", "a2")), false));
    }

    @Test
    void emptyConversationOrBadMessageIsRejected() {
        var t = new ChatTemplate("x", Map.of());
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> t.render(List.of(), true)).code());
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> new ChatMessage("", "x")).code());
        assertThrows(EngineException.class, () -> new ChatMessage("user", null));
    }
}
