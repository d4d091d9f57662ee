package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.TestAssets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IncrementalDetokenizerTest {
    private static final String REPLACEMENT = "\uFFFD";

    /** Streams the ids; checks the deltas against a full decode and returns them. */
    static List<String> stream(Tokenizer t, int[] ids, boolean skip) {
        var detok = new IncrementalDetokenizer(t, skip);
        List<String> deltas = new ArrayList<>();
        for (int id : ids) deltas.add(detok.push(id));
        deltas.add(detok.flush());
        String full = t.decode(ids, skip);
        assertEquals(full, String.join("", deltas), "deltas concatenate to the full decode");
        if (!full.contains(REPLACEMENT)) {
            for (String d : deltas) assertFalse(d.contains(REPLACEMENT), () -> "delta with U+FFFD: " + deltas);
        }
        for (String d : deltas) {
            assertFalse(!d.isEmpty() && Character.isLowSurrogate(d.charAt(0)), "delta starts inside a surrogate pair");
        }
        return deltas;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tiny-qwen2", "tiny-qwen3"})
    void goldenGenerationsStreamToTheirFullText(String model) throws IOException {
        JsonNode cases = TokenizerGoldenTest.golden(model, "golden.json").get("cases");
        assertTrue(cases.size() >= 6);
        try (Tokenizer t = Tokenizer.load(TestAssets.model(model))) {
            for (JsonNode c : cases) {
                int[] ids = TokenizerGoldenTest.ints(c.get("generated_ids"));
                stream(t, ids, true);
                stream(t, ids, false);
                // golden generated_text is decode(generated_ids) with special tokens kept
                assertEquals(c.get("generated_text").asText(), t.decode(ids, false));
            }
        }
    }

    @Test
    void emojiAndCjkSplitAcrossByteFallbackTokensComeOutWhole() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("stories260K"))) {
            String text = "I 😀 日本 ok";
            int[] ids = t.encodeNoSpecial(text);
            assertTrue(ids.length > 8, "emoji and CJK fall back to byte tokens");
            List<String> deltas = stream(t, ids, true);
            assertTrue(deltas.stream().anyMatch(d -> d.contains("😀")), () -> "emoji in one delta: " + deltas);
            assertTrue(deltas.stream().anyMatch(d -> d.contains("日本")), () -> "CJK in one delta: " + deltas);
        }
    }

    @Test
    void emojiSplitAcrossByteLevelTokensComesOutWhole() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"))) {
            String text = "家族 👨‍👩‍👧 🐶 and 鿕";
            int[] ids = t.encodeNoSpecial(text);
            List<String> deltas = stream(t, ids, true);
            assertEquals(text, String.join("", deltas));
            assertTrue(ids.length > deltas.stream().filter(d -> !d.isEmpty()).count(),
                    "some token ended inside a character and was held back");
        }
    }

    @Test
    void unfinishedCharacterAtTheEndComesOutOnFlushAsReplacement() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("qwen2-tokenizer"))) {
            // the first of these characters that the vocabulary has no single token for
            int[] emoji = "𝔘鿕🜁".codePoints().mapToObj(cp -> t.encodeNoSpecial(Character.toString(cp)))
                    .filter(ids -> ids.length > 1).findFirst().orElseThrow();
            var detok = new IncrementalDetokenizer(t, true);
            assertEquals("", detok.push(emoji[0]));
            String tail = detok.flush();
            assertEquals(t.decode(new int[] {emoji[0]}, true), tail);
            assertTrue(tail.contains(REPLACEMENT));
        }
    }

    /** Arbitrary id sequences, invalid UTF-8 and specials included: deltas still add up to the full text. */
    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "qwen2-tokenizer"})
    void randomIdSequencesStreamToTheirFullText(String model) {
        var random = new SplittableRandom(20261125L);
        try (Tokenizer t = Tokenizer.load(TestAssets.model(model))) {
            int vocab = model.equals("stories260K") ? 512 : 151_665;
            for (int n = 0; n < 200; n++) {
                int[] ids = new int[1 + random.nextInt(60)];
                for (int i = 0; i < ids.length; i++) {
                    // mostly low ids, where bytes and byte tokens live, so runs of them are common
                    ids[i] = random.nextInt(4) == 0 ? random.nextInt(vocab) : random.nextInt(300);
                }
                stream(t, ids, random.nextBoolean());
            }
        }
    }

    @Test
    void byteTokenizerRandomBytesStreamToTheirFullText() {
        var random = new SplittableRandom(99);
        Tokenizer t = Tokenizer.bytes(300);
        for (int n = 0; n < 500; n++) {
            int[] ids = new int[1 + random.nextInt(40)];
            // UTF-8 lead and continuation bytes, ASCII and specials, so sequences break in every way
            for (int i = 0; i < ids.length; i++) {
                ids[i] = switch (random.nextInt(4)) {
                    case 0 -> 0x80 + random.nextInt(0x40);
                    case 1 -> 0xC0 + random.nextInt(0x40);
                    case 2 -> random.nextInt(0x80);
                    default -> random.nextInt(300);
                };
            }
            stream(t, ids, random.nextBoolean());
        }
    }

    @Test
    void byteTokenizerStreamsMultiByteCharacters() {
        Tokenizer t = Tokenizer.bytes(300);
        int[] ids = t.encodeNoSpecial("añ€😀z");
        List<String> deltas = stream(t, ids, true);
        assertEquals(List.of("a", "", "ñ", "", "", "€", "", "", "", "😀", "z", ""), deltas);
    }
}
