package dev.invariant.engine.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** A Hugging Face fast tokenizer (tokenizer.json) run by the real tokenizers library through DJL. */
final class HfTokenizer implements Tokenizer {
    private final HuggingFaceTokenizer hf;
    private final SpecialTokens special;
    private final ChatTemplate template;
    private final BitSet byteFallback;
    private final String digest;
    /** tokenizer.json, kept until the token bytes are read from it (the first structured output). */
    private byte[] json;
    private volatile TokenBytes tokenBytes;

    private HfTokenizer(HuggingFaceTokenizer hf, SpecialTokens special, ChatTemplate template,
                        BitSet byteFallback, String digest, byte[] json) {
        this.json = json;
        this.hf = hf;
        this.special = special;
        this.template = template;
        this.byteFallback = byteFallback;
        this.digest = digest;
    }

    static HfTokenizer load(Path folder) {
        TokenizerFiles files = TokenizerFiles.read(folder);
        Map<String, String> texts = SpecialTokens.texts(files);
        Path json = folder.resolve(TokenizerFiles.TOKENIZER_JSON);
        TokenizerJsonScan scan = TokenizerJsonScan.scan(files.tokenizerJson(), new HashSet<>(texts.values()), json);
        SpecialTokens special = SpecialTokens.resolve(files, texts, scan);
        String source = templateSource(files);
        ChatTemplate template = source == null ? null : new ChatTemplate(source, texts);
        String digest = new TokenizerDigest()
                .part(TokenizerFiles.TOKENIZER_JSON, files.tokenizerJson())
                .part(TokenizerFiles.TOKENIZER_CONFIG, files.tokenizerConfigBytes())
                .part(TokenizerFiles.CHAT_TEMPLATE, files.chatTemplateFile())
                .part("special_ids", special.canonical())
                .hex();
        return new HfTokenizer(open(files.tokenizerJson(), json), special, template, scan.byteFallback(), digest,
                files.tokenizerJson());
    }

    private static HuggingFaceTokenizer open(byte[] json, Path where) {
        NativeTokenizers.prepare();
        // no truncation or padding: a prompt is tokenised whole, the engine checks its length
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (IOException | RuntimeException e) {
            throw new EngineException(ErrorCode.TOKENIZER, "the tokenizers library cannot load "
                    + where.toAbsolutePath() + " (" + e.getMessage() + "); the file may be corrupt or from a newer"
                    + " tokenizers version: re-export it with a current transformers release", e);
        }
    }

    /** chat_template.jinja wins over tokenizer_config.json, as in transformers; a named list picks "default". */
    private static String templateSource(TokenizerFiles files) {
        if (files.chatTemplateFile() != null) return files.chatTemplateFile();
        JsonNode t = files.tokenizerConfig().path("chat_template");
        if (t.isTextual()) return t.asText();
        if (t.isArray()) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                    return named.path("template").asText();
                }
            }
        }
        return null;
    }

    @Override
    public int[] encode(String text) {
        return ids(text, true);
    }

    @Override
    public int[] encodeNoSpecial(String text) {
        return ids(text, false);
    }

    /**
     * The token ids alone. {@code HuggingFaceTokenizer.encode} makes the same call into the library and then copies
     * out every token's string, type and word id, masks and character span as well (eight more native calls and
     * objects per token) that a prompt does not need: 0.24 against 0.17 ms for a short prompt on a cold cache, 2.6
     * against 1.7 ms for 540 tokens (docs/benchmarks.md, 2026-12-02/03). Its only other step, the text's prefix
     * space, lower-casing and accent stripping, is off in {@link #open}'s options.
     */
    private int[] ids(String text, boolean addSpecialTokens) {
        if (text == null) throw new EngineException(ErrorCode.INVALID_PARAM, "the text to encode is null");
        long encoding = TokenizersLibrary.LIB.encode((Long) hf.getHandle(), text, addSpecialTokens);
        try {
            return toInts(TokenizersLibrary.LIB.getTokenIds(encoding));
        } finally {
            TokenizersLibrary.LIB.deleteEncoding(encoding);
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] wide = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "token id " + ids[i] + " is negative: decode only"
                        + " ids the model produced");
            }
            wide[i] = ids[i];
        }
        return hf.decode(wide, skipSpecialTokens);
    }

    /** Whether the id is a byte-fallback token ({@code <0xHH>}); the detokeniser holds text back after one. */
    boolean isByteFallback(int id) {
        return id >= 0 && byteFallback.get(id);
    }

    @Override
    public byte[] tokenBytes(int id) {
        byte[][] all = table().bytes();
        return id >= 0 && id < all.length && all[id] != null ? all[id].clone() : null;
    }

    @Override
    public boolean stripsLeadingSpace() {
        return table().stripsLeadingSpace();
    }

    private TokenBytes table() {
        TokenBytes t = tokenBytes;
        if (t != null) return t;
        synchronized (this) {
            if (tokenBytes == null) {
                tokenBytes = TokenBytes.read(json);
                json = null;
            }
            return tokenBytes;
        }
    }

    @Override
    public OptionalInt bosTokenId() {
        return special.bos();
    }

    @Override
    public Set<Integer> eosTokenIds() {
        return special.eos();
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(template);
    }

    @Override
    public String digest() {
        return digest;
    }

    @Override
    public void close() {
        hf.close();
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }
}
