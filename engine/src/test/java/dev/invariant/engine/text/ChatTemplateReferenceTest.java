package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat templates rendered as Hugging Face transformers renders them (5.17, {@code apply_chat_template}; made by
 * {@code bench/device/reference/chat_templates.py}): five templates written for this project in the styles of
 * published ones (a backwards scan with a namespace and string surgery on reasoning, a header format with
 * {@code + x | trim} precedence and a defaulted variable, a role alternation check that raises, filters such as
 * selectattr/map/join/replace/upper/default, and plain tags whose whitespace trim_blocks and lstrip_blocks decide)
 * x 10 conversations x with and without the generation prompt: 100 renderings, byte for byte, and the same
 * rejections.
 */
class ChatTemplateReferenceTest {
    private static final String DIR = "/hf-reference/chat-templates/";

    @Test
    void everyRenderingIsTransformersByteForByte() throws IOException {
        JsonNode ref = json("/hf-reference/chat-templates.json");
        JsonNode conversations = json(DIR + "messages.json");
        Map<String, String> special = Map.of("bos_token", ref.get("meta").get("bos_token").asText(),
                "eos_token", ref.get("meta").get("eos_token").asText());
        int rendered = 0, rejected = 0;
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("template").asText();
            ChatTemplate template = new ChatTemplate(text(DIR + name), special);
            List<ChatMessage> messages = new ArrayList<>();
            for (JsonNode m : conversations.get(c.get("messages").asInt())) {
                messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
            }
            boolean gen = c.get("add_generation_prompt").asBoolean();
            String what = name + ", conversation " + c.get("messages") + ", generation prompt " + gen;
            if (c.has("error")) {
                var e = assertThrows(EngineException.class, () -> template.render(messages, gen), what);
                String message = c.get("error").asText().replaceFirst("^TemplateError: ", "");
                assertTrue(e.getMessage().contains(message), what + ": " + e.getMessage());
                rejected++;
            } else {
                assertEquals(c.get("rendered").asText(), template.render(messages, gen), what);
                rendered++;
            }
        }
        assertEquals(98, rendered);
        assertEquals(2, rejected);
    }

    private static JsonNode json(String resource) throws IOException {
        return new ObjectMapper().readTree(text(resource));
    }

    private static String text(String resource) throws IOException {
        try (InputStream in = ChatTemplateReferenceTest.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("no test resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
