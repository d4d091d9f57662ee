package dev.invariant.engine.text;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Text ↔ token ids for one model. Implementations are thread-safe for encode/decode.
 * {@link #load} wraps the Hugging Face tokenizers library so ids equal what {@code transformers} produces;
 * {@link #bytes} is a self-contained byte-level tokenizer for synthetic models.
 */
public interface Tokenizer extends AutoCloseable {

    /**
     * Loads a Hugging Face model folder: {@code tokenizer.json} (required), {@code tokenizer_config.json},
     * {@code chat_template.jinja}, and {@code generation_config.json} / {@code config.json} for special ids.
     *
     * @throws dev.invariant.engine.EngineException with code TOKENIZER when files are missing or unreadable
     */
    static Tokenizer load(Path modelFolder) {
        return HfTokenizer.load(modelFolder);
    }

    /**
     * A byte-level tokenizer: ids 0..255 are the bytes of the UTF-8 text, 256 is {@code <bos>}, 257 is
     * {@code <eos>}, and 258..vocabSize-1 are reserved special tokens. See docs/tokenizer.md.
     */
    static Tokenizer bytes(int vocabSize) {
        return new ByteTokenizer(vocabSize);
    }

    /** Ids with the special tokens the tokenizer adds (HF {@code tokenizer(text).input_ids}). */
    int[] encode(String text);

    /** Ids without added special tokens (HF {@code add_special_tokens=False}), e.g. for a rendered chat. */
    int[] encodeNoSpecial(String text);

    /** Text of the ids; invalid UTF-8 becomes U+FFFD, as in HF. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * The bytes token {@code id} stands for in decoded text (docs/requests.md, "Structured outputs"); null for a
     * special or added token, or an id outside the vocabulary. Concatenated over {@link #encodeNoSpecial}'s ids they
     * give the text's UTF-8 bytes (after the normaliser: Llama's prepends a space, which decode then strips).
     */
    byte[] tokenBytes(int id);

    /** Whether {@link #decode} drops one leading space of its text (SentencePiece's Strip decoder). */
    default boolean stripsLeadingSpace() {
        return false;
    }

    OptionalInt bosTokenId();

    /** Every id that ends generation (see docs/tokenizer.md for where they come from). */
    Set<Integer> eosTokenIds();

    /** The model's chat template, if it has one. */
    Optional<ChatTemplate> chatTemplate();

    /** Hex SHA-256 of the canonical encoding defined in docs/tokenizer.md; part of the request fingerprint. */
    String digest();

    @Override
    void close();
}
