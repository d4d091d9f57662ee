package dev.invariant.engine.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ByteTokenizerTest {

    @Test
    void roundTripsArbitraryUtf8() {
        var random = new SplittableRandom(7);
        try (Tokenizer t = Tokenizer.bytes(512)) {
            for (int n = 0; n < 500; n++) {
                var sb = new StringBuilder();
                int len = random.nextInt(40);
                for (int i = 0; i < len; i++) {
                    int cp;
                    do {
                        cp = random.nextInt(4) == 0 ? random.nextInt(0x110000) : random.nextInt(0x800);
                    } while (cp >= 0xD800 && cp <= 0xDFFF); // surrogates are not characters
                    sb.appendCodePoint(cp);
                }
                String text = sb.toString();
                int[] ids = t.encode(text);
                assertEquals(ByteTokenizer.BOS, ids[0]);
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                assertEquals(utf8.length + 1, ids.length);
                for (int i = 0; i < utf8.length; i++) assertEquals(utf8[i] & 0xFF, ids[i + 1]);
                assertEquals(text, t.decode(ids, true));
                assertEquals(text, t.decode(t.encodeNoSpecial(text), false));
            }
        }
    }

    @Test
    void specialsAreNamedOrSkipped() {
        Tokenizer t = Tokenizer.bytes(300);
        int[] ids = {256, 'h', 'i', 257, 299};
        assertEquals("<bos>hi<eos><|reserved_299|>", t.decode(ids, false));
        assertEquals("hi", t.decode(ids, true));
        assertEquals(256, t.bosTokenId().getAsInt());
        assertEquals(Set.of(257), t.eosTokenIds());
        assertTrue(t.chatTemplate().isEmpty());
        assertArrayEquals(new int[] {'<', 'b', 'o', 's', '>'}, t.encodeNoSpecial("<bos>"), "special text is plain bytes");
    }

    @Test
    void invalidBytesDecodeToReplacementCharacters() {
        Tokenizer t = Tokenizer.bytes(258);
        assertEquals("a\uFFFDb", t.decode(new int[] {'a', 0xE6, 'b'}, true));
        assertEquals("日\uFFFD", t.decode(new int[] {0xE6, 0x97, 0xA5, 0xE6, 0x97}, true));
    }

    @Test
    void digestDependsOnTheVocabularySizeOnly() {
        assertEquals(Tokenizer.bytes(300).digest(), Tokenizer.bytes(300).digest());
        assertNotEquals(Tokenizer.bytes(300).digest(), Tokenizer.bytes(301).digest());
        assertTrue(Tokenizer.bytes(300).digest().matches("[0-9a-f]{64}"));
    }

    @Test
    void badVocabularyOrIdsAreRejected() {
        assertEquals(ErrorCode.INVALID_PARAM, assertThrows(EngineException.class, () -> Tokenizer.bytes(257)).code());
        Tokenizer t = Tokenizer.bytes(258);
        assertEquals(ErrorCode.INVALID_PARAM,
                assertThrows(EngineException.class, () -> t.decode(new int[] {258}, true)).code());
        assertThrows(EngineException.class, () -> t.decode(new int[] {-1}, false));
    }
}
