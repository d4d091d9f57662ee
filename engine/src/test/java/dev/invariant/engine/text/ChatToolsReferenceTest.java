package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.TestAssets;
import dev.invariant.engine.api.JsonFields;
import dev.invariant.engine.api.JsonRequests;
import dev.invariant.engine.api.Prompt;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Conversations with tools, earlier tool calls and tool results, read through the request contract
 * ({@link JsonRequests#chat}) and rendered by Qwen's chat template, against transformers 5.17's
 * {@code apply_chat_template(messages, tools=...)} with the calls' arguments as objects, as vLLM hands them to a
 * template (made by {@code bench/device/reference/chat_tools.py} on the GPU machine): byte for byte, with and without
 * the tools.
 */
class ChatToolsReferenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void qwenTemplateWithToolsRendersLikeTransformers() throws IOException {
        JsonNode cases = TestAssets.reference("chat-tools/cases.json");
        JsonNode ref = TestAssets.reference("chat-tools.json");
        try (Tokenizer t = Tokenizer.load(TestAssets.model("tiny-qwen2"))) {
            ChatTemplate template = t.chatTemplate().orElseThrow();
            int n = 0;
            for (JsonNode c : ref.get("cases")) {
                ObjectNode body = JSON.createObjectNode();
                body.set("messages", cases.get("conversations").get(c.get("conversation").asInt()));
                if (c.get("tools").asBoolean()) body.set("tools", cases.get("tools"));
                Prompt.Chat chat = JsonRequests.chat(JsonFields.of(body));
                assertEquals(c.get("rendered").asText(), template.render(chat.messages(), chat.tools(), true),
                        "conversation " + c.get("conversation") + ", tools " + c.get("tools"));
                n++;
            }
            assertEquals(8, n);
        }
    }
}
