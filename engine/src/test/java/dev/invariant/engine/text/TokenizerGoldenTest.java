package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every case of the shared tokenizer-golden.json files, produced by Hugging Face transformers. */
class TokenizerGoldenTest {

    static JsonNode golden(String model, String file) throws IOException {
        return new ObjectMapper().readTree(TestAssets.model(model).resolve(file).toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "qwen2-tokenizer"})
    void encodeAndDecodeEqualTransformers(String model) throws IOException {
        JsonNode cases = golden(model, "tokenizer-golden.json").get("cases");
        assertTrue(cases.size() >= 30, "golden file has its cases");
        List<String> specialTexts = specialTexts(model);
        try (Tokenizer t = Tokenizer.load(TestAssets.model(model))) {
            for (JsonNode c : cases) {
                String text = c.get("text").asText();
                int[] ids = ints(c.get("ids"));
                assertArrayEquals(ids, t.encode(text), () -> "encode " + text);
                // stories260K's golden text skips special tokens, Qwen's keeps them (see shared/models/README.md)
                boolean skip = model.equals("stories260K");
                assertEquals(c.get("decoded").asText(), t.decode(ids, skip), () -> "decode " + text);
                if (!skip) {
                    assertEquals(withoutSpecialTexts(c.get("decoded").asText(), specialTexts), t.decode(ids, true));
                }
            }
        }
    }

    /** Encoding from several threads at once gives what one thread gives (the native tokenizer is shared). */
    @org.junit.jupiter.api.Test
    void concurrentEncodingMatchesGolden() throws Exception {
        JsonNode cases = golden("qwen2-tokenizer", "tokenizer-golden.json").get("cases");
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"));
             var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 8; round++) {
                for (JsonNode c : cases) {
                    results.add(pool.submit(() -> java.util.Arrays.equals(ints(c.get("ids")), t.encode(c.get("text").asText()))
                            && t.decode(ints(c.get("ids")), false).equals(c.get("decoded").asText())));
                }
            }
            for (var r : results) assertTrue(r.get());
        }
    }

    @org.junit.jupiter.api.Test
    void qwenChatTemplateRendersLikeTransformers() throws IOException {
        JsonNode cases = golden("qwen2-tokenizer", "tokenizer-golden.json").get("chat_template_cases");
        assertEquals(3, cases.size());
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"))) {
            ChatTemplate template = t.chatTemplate().orElseThrow();
            for (JsonNode c : cases) {
                List<ChatMessage> messages = new ArrayList<>();
                for (JsonNode m : c.get("messages")) {
                    messages.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
                }
                String rendered = template.render(messages, c.get("add_generation_prompt").asBoolean());
                assertEquals(c.get("rendered").asText(), rendered);
                assertArrayEquals(ints(c.get("ids")), t.encodeNoSpecial(rendered));
            }
        }
    }

    /** The contents of the special added tokens, read from the tokenizer.json itself. */
    private static List<String> specialTexts(String model) throws IOException {
        List<String> texts = new ArrayList<>();
        for (JsonNode a : golden(model, "tokenizer.json").get("added_tokens")) {
            if (a.get("special").asBoolean()) texts.add(a.get("content").asText());
        }
        return texts;
    }

    private static String withoutSpecialTexts(String text, List<String> specialTexts) {
        for (String special : specialTexts) text = text.replace(special, "");
        return text;
    }
}
