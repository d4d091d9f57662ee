package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.TestAssets;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token bytes against the real tokenizers: the bytes of a text's tokens are the text's UTF-8 bytes. */
class TokenBytesTest {
    private static final List<String> TEXTS = List.of("Hello, world!", "{\"name\": \"Ann\", \"age\": 42}",
            "naïve café – Ελληνικά 中文", "emoji 😀🎉 ok", "tabs\tand\nnew lines", "x");

    private static byte[] concat(Tokenizer t, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            byte[] b = t.tokenBytes(id);
            assertTrue(b != null && b.length > 0, "token " + id + " has bytes");
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    @Test
    void byteLevelVocabulariesSpellTheText() {
        for (String model : List.of("tiny-qwen2", "tiny-qwen3")) {
            try (Tokenizer t = Tokenizer.load(TestAssets.model(model))) {
                assertFalse(t.stripsLeadingSpace());
                for (String text : TEXTS) {
                    assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), concat(t, t.encodeNoSpecial(text)),
                            model + ": " + text);
                }
                for (int eos : t.eosTokenIds()) assertNull(t.tokenBytes(eos), "special tokens have no bytes");
                assertNull(t.tokenBytes(-1));
                assertNull(t.tokenBytes(10_000_000));
            }
        }
    }

    @Test
    void sentencePieceSpellsSpacesAndByteFallback() {
        try (Tokenizer t = Tokenizer.load(TestAssets.model("stories260K"))) {
            assertTrue(t.stripsLeadingSpace(), "Llama's decoder strips the space its normaliser prepends");
            for (String text : TEXTS) {
                // the normaliser prepends a space (and folds runs of spaces), which decode then strips
                String normalised = " " + text;
                byte[] bytes = concat(t, t.encodeNoSpecial(text));
                assertEquals(normalised, new String(bytes, StandardCharsets.UTF_8), text);
                assertEquals(t.decode(t.encodeNoSpecial(text), true), text);
            }
            for (int eos : t.eosTokenIds()) assertNull(t.tokenBytes(eos));
            assertNull(t.tokenBytes(t.bosTokenId().getAsInt()));
        }
    }

    @Test
    void byteTokenizerIdsAreTheirBytes() {
        Tokenizer t = Tokenizer.bytes(300);
        assertArrayEquals(new byte[] {(byte) 0xE2}, t.tokenBytes(0xE2));
        assertNull(t.tokenBytes(256));
        assertNull(t.tokenBytes(299));
    }
}
