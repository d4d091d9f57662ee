package dev.invariant.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.text.ChatRendering;
import dev.invariant.engine.text.ChatTemplate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A message's name and reasoning, from the request's JSON to the chat template, as vLLM hands them over. */
class ChatMessageFieldsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every key a message has, in order, with Python's repr of its value. */
    private static final ChatTemplate KEYS = new ChatTemplate("{% for m in messages %}{% for k, v in m.items() %}"
            + "{{ k }}={{ v }};{% endfor %}{{ '\\n' }}{% endfor %}", Map.of());
    /** A thinking model's template: an assistant turn after the last user turn writes its reasoning back. */
    private static final ChatTemplate THINKING = new ChatTemplate("{% set ns = namespace(last=0) %}"
            + "{% for m in messages %}{% if m.role == 'user' %}{% set ns.last = loop.index0 %}{% endif %}{% endfor %}"
            + "{% for m in messages %}<{{ m.role }}>{% if m.role == 'assistant' and loop.index0 > ns.last"
            + " and m.reasoning_content is string %}<think>{{ m.reasoning_content }}</think>{% endif %}"
            + "{{ m.content }}{% for c in m.tool_calls or [] %}[{{ c.function.name }}]{% endfor %}{% endfor %}",
            Map.of());

    static Prompt.Chat chat(String messages) throws Exception {
        return JsonRequests.chat(JsonFields.of(JSON.readTree("{\"messages\": " + messages + "}")));
    }

    static String render(ChatTemplate t, String messages) throws Exception {
        Prompt.Chat c = chat(messages);
        return t.render(c.messages(), c.tools(), ChatRendering.DEFAULT);
    }

    @Test
    void nameAndReasoningReachTheTemplateUnderVllmsKeys() throws Exception {
        String out = render(KEYS, """
                [{"role": "user", "content": "hi", "name": "ann"},
                 {"role": "assistant", "content": "yes", "reasoning": "think"},
                 {"role": "assistant", "reasoning_content": "only thought"},
                 {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                   "function": {"name": "f", "arguments": "{}"}}]}]""");
        assertEquals("""
                role=user;content=hi;name=ann;
                role=assistant;content=yes;reasoning=think;reasoning_content=think;
                role=assistant;content=;reasoning=only thought;reasoning_content=only thought;
                role=assistant;content=;tool_calls=[{'id': 'c1', 'type': 'function', 'function': {'name': 'f', \
                'arguments': {}}}];
                """, out);
    }

    @Test
    void aThinkingTemplateWritesTheReasoningOfTheTurnsAfterTheLastUserTurnBack() throws Exception {
        String out = render(THINKING, """
                [{"role": "user", "content": "Q1"},
                 {"role": "assistant", "content": "A1", "reasoning_content": "old"},
                 {"role": "user", "content": "Q2"},
                 {"role": "assistant", "content": null, "reasoning": "plan", "tool_calls": [{"id": "c1",
                   "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
                 {"role": "tool", "tool_call_id": "c1", "content": "42"}]""");
        assertEquals("<user>Q1<assistant>A1<user>Q2<assistant><think>plan</think>[f]<tool>42", out);
    }

    @Test
    void reasoningAndItsFormerNameMustAgree() throws Exception {
        assertEquals("same", chat("[{\"role\": \"assistant\", \"content\": \"x\", \"reasoning\": \"same\","
                + " \"reasoning_content\": \"same\"}]").messages().getFirst().reasoning());
        var e = assertThrows(EngineException.class, () -> chat("[{\"role\": \"user\", \"content\": \"q\"},"
                + " {\"role\": \"assistant\", \"content\": \"x\", \"reasoning\": \"a\", \"reasoning_content\": \"b\"}]"));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals("messages[1].reasoning", e.param());
        assertNull(chat("[{\"role\": \"assistant\", \"content\": \"x\", \"reasoning\": null}]").messages().getFirst()
                .reasoning());
    }

    @Test
    void onlyAnAssistantTurnCarriesReasoning() {
        var e = assertThrows(EngineException.class, () -> chat("[{\"role\": \"user\", \"content\": \"q\","
                + " \"reasoning\": \"mine\"}]"));
        assertEquals(ErrorCode.INVALID_PARAM, e.code());
        assertEquals("messages[0]", e.param());
        assertTrue(e.getMessage().contains("only assistant messages"), e.getMessage());
    }

    @Test
    void aNameMustBeAString() {
        var e = assertThrows(EngineException.class, () -> chat("[{\"role\": \"user\", \"content\": \"q\", \"name\": 7}]"));
        assertEquals("messages[0].name", e.param());
    }
}
