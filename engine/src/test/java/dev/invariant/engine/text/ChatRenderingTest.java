package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's chat rendering fields: add_generation_prompt, continue_final_message, chat_template_kwargs, documents. */
class ChatRenderingTest {
    private static final ChatTemplate CHATML = new ChatTemplate("{% for m in messages %}<|im_start|>{{ m.role }}\n"
            + "{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}", Map.of());
    private static final List<ChatMessage> OPEN = List.of(new ChatMessage("user", "Count to three."),
            new ChatMessage("assistant", "One, two,"));

    private static ChatRendering rendering(boolean gen, boolean cont, String kwargs, String documents) {
        return new ChatRendering(gen, cont, kwargs, documents);
    }

    @Test
    void theFinalMessageIsLeftOpenToBeContinued() {
        assertEquals("<|im_start|>user\nCount to three.<|im_end|>\n<|im_start|>assistant\nOne, two,",
                CHATML.render(OPEN, null, rendering(false, true, null, null)));
        // trailing spaces the template writes are kept; leading ones of the message make the cut at the stripped text
        var spaced = List.of(new ChatMessage("user", "x"), new ChatMessage("assistant", "One, two, "));
        assertTrue(CHATML.render(spaced, null, rendering(false, true, null, null)).endsWith("assistant\nOne, two, "));
        var lead = List.of(new ChatMessage("user", "x"), new ChatMessage("assistant", " One, two, "));
        assertTrue(CHATML.render(lead, null, rendering(false, true, null, null)).endsWith("assistant\n One, two,"));
        // a template that trims the message: the cut falls after the stripped text
        var trimming = new ChatTemplate("{% for m in messages %}[{{ m.content | trim }}]{% endfor %}", Map.of());
        assertEquals("[x][One, two,", trimming.render(spaced, null, rendering(false, true, null, null)));
        // without it, the turn is closed and the generation prompt follows
        assertTrue(CHATML.render(OPEN, null, ChatRendering.DEFAULT).endsWith("One, two,<|im_end|>\n<|im_start|>assistant\n"));
        assertTrue(CHATML.render(OPEN, null, rendering(false, false, null, null)).endsWith("One, two,<|im_end|>\n"));
    }

    @Test
    void templateKwargsAndDocumentsReachTheTemplate() {
        var t = new ChatTemplate("{% if enable_thinking is defined and not enable_thinking %}<think></think>{% endif %}"
                + "{{ bos_token }}{% for d in documents or [] %}({{ d.title }}: {{ d.text }}){% endfor %}"
                + "{% for m in messages %}{{ m.content }}{% endfor %}", Map.of("bos_token", "<s>"));
        assertEquals("<s>Count to three.", t.render(OPEN.subList(0, 1), null, ChatRendering.DEFAULT));
        assertEquals("<think></think><bos>(a: b)Count to three.", t.render(OPEN.subList(0, 1), null,
                rendering(true, false, "{\"enable_thinking\": false, \"bos_token\": \"<bos>\"}", "[{\"title\": \"a\", \"text\": \"b\"}]")));
    }

    @Test
    void whatCannotBeRenderedIsRefusedNamingTheField() {
        assertParam("continue_final_message", () -> rendering(true, true, null, null));
        assertParam("chat_template_kwargs", () -> rendering(true, false, "[1]", null));
        assertParam("chat_template_kwargs", () -> rendering(true, false, "{\"add_generation_prompt\": false}", null));
        assertParam("chat_template_kwargs", () -> rendering(true, false, "{\"messages\": []}", null));
        assertParam("documents", () -> rendering(true, false, null, "{\"title\": \"a\"}"));
        assertParam("documents", () -> rendering(true, false, null, "[\"text\"]"));
        var calls = List.of(new ChatMessage("user", "x"), new ChatMessage("assistant", null,
                List.of(new ToolCall("c1", "f", "{}")), null));
        assertParam("continue_final_message", () -> CHATML.render(calls, null, rendering(false, true, null, null)));
        var hidden = new ChatTemplate("{% for m in messages %}{{ m.role }}{% endfor %}", Map.of());
        assertParam("continue_final_message", () -> hidden.render(OPEN, null, rendering(false, true, null, null)));
    }

    @Test
    void aJsonRequestSpellsThemAsVllmDoes() throws Exception {
        var json = new ObjectMapper().readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"add_generation_prompt\": false, \"continue_final_message\": true,"
                + " \"chat_template_kwargs\": {\"enable_thinking\": false}, \"documents\": [{\"text\": \"d\"}]}");
        Prompt.Chat c = JsonRequests.chat(JsonFields.of(json));
        assertEquals(new ChatRendering(false, true, "{\"enable_thinking\":false}", "[{\"text\":\"d\"}]"), c.rendering());
        var plain = JsonRequests.chat(JsonFields.of(new ObjectMapper().readTree("{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"hi\"}], \"chat_template_kwargs\": {}}")));
        assertEquals(ChatRendering.DEFAULT, plain.rendering(), "an empty kwargs object is the default");
        assertParam("chat_template_kwargs", () -> JsonRequests.chat(JsonFields.of(new ObjectMapper().readTree(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"chat_template_kwargs\": \"x\"}"))));
        assertParam("add_generation_prompt", () -> JsonRequests.chat(JsonFields.of(new ObjectMapper().readTree(
                "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"add_generation_prompt\": 1}"))));
    }

    private static void assertParam(String param, org.junit.jupiter.api.function.Executable e) {
        EngineException x = assertThrows(EngineException.class, e);
        assertEquals(param, x.param(), x.getMessage());
    }
}
