package dev.invariant.engine.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the engine needs from tokenizer.json beyond what DJL exposes: the ids of named tokens and the
 * byte-fallback tokens ({@code <0xHH>}). Streams the file, skipping merges, so a 7 MB file costs little.
 *
 * @param ids          id of each wanted token string that exists (added tokens first, then the vocabulary)
 * @param byteFallback ids of {@code <0xHH>} tokens when the model uses byte fallback, else empty
 */
record TokenizerJsonScan(Map<String, Integer> ids, BitSet byteFallback) {

    /** Vocabulary keys are field names: 150k distinct ones would only bloat the name cache. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    static TokenizerJsonScan scan(byte[] json, Set<String> wanted, Path where) {
        var added = new HashMap<String, Integer>();
        var vocab = new HashMap<String, Integer>();
        var bytes = new BitSet();
        boolean byteFallback = false;
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "the top level is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "added_tokens" -> readAdded(p, wanted, added);
                    case "model" -> byteFallback = readModel(p, wanted, vocab, bytes);
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new EngineException(ErrorCode.TOKENIZER, where.toAbsolutePath() + " is not a valid tokenizer.json ("
                    + e.getMessage() + "); restore it from the model's original files", e);
        }
        vocab.putAll(added); // an added token overrides a vocabulary entry of the same text, as in HF
        return new TokenizerJsonScan(Map.copyOf(vocab), byteFallback ? bytes : new BitSet());
    }

    private static void readAdded(JsonParser p, Set<String> wanted, Map<String, Integer> out) throws IOException {
        expect(p.currentToken() == JsonToken.START_ARRAY, "added_tokens is not an array");
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String content = null;
            int id = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                if (f.equals("content")) content = p.getText();
                else if (f.equals("id")) id = p.getIntValue();
                else p.skipChildren();
            }
            if (content != null && id >= 0 && wanted.contains(content)) out.put(content, id);
        }
    }

    private static boolean readModel(JsonParser p, Set<String> wanted, Map<String, Integer> vocab, BitSet bytes)
            throws IOException {
        expect(p.currentToken() == JsonToken.START_OBJECT, "model is not an object");
        boolean byteFallback = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            if (f.equals("byte_fallback")) byteFallback = t == JsonToken.VALUE_TRUE;
            else if (f.equals("vocab") && t == JsonToken.START_OBJECT) readVocab(p, wanted, vocab, bytes);
            else p.skipChildren(); // merges, or a Unigram vocab (a list, no byte tokens by name)
        }
        return byteFallback;
    }

    private static void readVocab(JsonParser p, Set<String> wanted, Map<String, Integer> vocab, BitSet bytes)
            throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            p.nextToken();
            int id = p.getIntValue();
            if (wanted.contains(token)) vocab.put(token, id);
            if (isByteToken(token)) bytes.set(id);
        }
    }

    /** {@code <0xHH>} with two upper-case hex digits, the spelling of sentencepiece byte pieces. */
    static boolean isByteToken(String t) {
        return t.length() == 6 && t.startsWith("<0x") && t.charAt(5) == '>'
                && hex(t.charAt(3)) && hex(t.charAt(4));
    }

    private static boolean hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }

    private static void expect(boolean ok, String what) throws IOException {
        if (!ok) throw new IOException(what);
    }
}
