package dev.invariant.engine.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The bytes each token of a tokenizer.json stands for in decoded text, which structured outputs walk through their
 * automata. Two vocabularies are read: byte-level BPE (GPT-2, Qwen: each character of a token is one byte through
 * GPT-2's byte-to-unicode map) and SentencePiece BPE (Llama: {@code ▁} is a space, {@code <0xHH>} is byte HH).
 * Added tokens (the special ones and any other) have no bytes: a structured output never contains one.
 *
 * @param bytes              per id, its bytes; null for an added token or an id the vocabulary lacks
 * @param stripsLeadingSpace whether the decoder drops one leading space of the text (Llama's {@code Strip})
 */
record TokenBytes(byte[][] bytes, boolean stripsLeadingSpace) {

    static TokenBytes read(byte[] tokenizerJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(tokenizerJson);
        } catch (IOException e) {
            throw new EngineException(ErrorCode.TOKENIZER, "tokenizer.json cannot be read again for its token bytes ("
                    + e.getMessage() + ")", e);
        }
        JsonNode vocab = root.path("model").path("vocab");
        String decoder = root.path("decoder").toString();
        boolean byteLevel = decoder.contains("\"ByteLevel\"");
        boolean sentencePiece = decoder.contains("\u2581") || decoder.contains("\"Metaspace\"");
        if (!vocab.isObject() || !byteLevel && !sentencePiece) {
            throw EngineException.invalid("structured_outputs", "structured outputs need a byte-level or SentencePiece"
                    + " BPE vocabulary, and this tokenizer.json has neither (decoder " + abbreviate(decoder)
                    + "): send the request without a structured output");
        }
        boolean byteFallback = root.path("model").path("byte_fallback").asBoolean(false);
        int size = 0;
        for (JsonNode id : vocab) size = Math.max(size, id.asInt() + 1);
        for (JsonNode t : root.path("added_tokens")) size = Math.max(size, t.path("id").asInt() + 1);
        byte[][] out = new byte[size][];
        Map<Character, Integer> unicodeToByte = byteLevel ? unicodeToByte() : Map.of();
        var fields = vocab.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            String token = e.getKey();
            out[e.getValue().asInt()] = byteLevel ? byteLevel(token, unicodeToByte) : sentencePiece(token, byteFallback);
        }
        for (JsonNode t : root.path("added_tokens")) out[t.path("id").asInt()] = null;
        boolean strip = decoder.contains("\"Strip\"") && decoder.contains("\"start\":1")
                || decoder.contains("\"Metaspace\"") && !decoder.contains("\"prepend_scheme\":\"never\"");
        return new TokenBytes(out, strip);
    }

    private static byte[] byteLevel(String token, Map<Character, Integer> map) {
        byte[] b = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            Integer v = map.get(token.charAt(i));
            if (v == null) return null; // not a byte-level token: it cannot be spelled
            b[i] = (byte) (int) v;
        }
        return b;
    }

    private static byte[] sentencePiece(String token, boolean byteFallback) {
        if (byteFallback && token.length() == 6 && token.matches("<0x[0-9A-Fa-f]{2}>")) {
            return new byte[] {(byte) Integer.parseInt(token.substring(3, 5), 16)};
        }
        return token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    /** GPT-2's bytes_to_unicode, inverted: printable Latin-1 bytes are themselves, the rest 256 + n in order. */
    static Map<Character, Integer> unicodeToByte() {
        Map<Character, Integer> m = new HashMap<>();
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
            m.put((char) (printable ? b : 256 + n++), b);
        }
        return m;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
