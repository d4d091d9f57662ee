package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat requests with vLLM's rendering fields (add_generation_prompt, continue_final_message, chat_template_kwargs,
 * documents), read through the request contract ({@link JsonRequests#chat}) and rendered by Qwen's chat template or a
 * template of the cases' own, against transformers 5.17's {@code apply_chat_template} as vLLM calls it (made by
 * {@code bench/device/reference/chat_rendering.py} on the GPU machine): byte for byte, and refused where it refuses.
 */
class ChatRenderingReferenceTest {
    @Test
    void renderingFieldsActAsInTransformers() throws IOException {
        JsonNode cases = TestAssets.reference("chat-rendering/cases.json");
        JsonNode ref = TestAssets.reference("chat-rendering.json");
        try (Tokenizer t = Tokenizer.load(TestAssets.model("tiny-qwen2"))) {
            ChatTemplate model = t.chatTemplate().orElseThrow();
            ChatTemplate own = new ChatTemplate(cases.get("templates").get("own").asText(), Map.of());
            int n = 0;
            for (JsonNode c : ref.get("cases")) {
                JsonNode request = cases.get("requests").get(c.get("request").asInt());
                ChatTemplate template = request.get("template").asText().equals("model") ? model : own;
                Prompt.Chat chat = JsonRequests.chat(JsonFields.of(request.get("body")));
                String what = "request " + c.get("request");
                if (c.has("error")) {
                    assertThrows(EngineException.class, () -> template.render(chat.messages(), chat.tools(), chat.rendering()),
                            what + ": transformers refused it: " + c.get("error").asText());
                } else {
                    assertEquals(c.get("rendered").asText(), template.render(chat.messages(), chat.tools(), chat.rendering()), what);
                }
                n++;
            }
            assertEquals(12, n);
        }
    }
}
