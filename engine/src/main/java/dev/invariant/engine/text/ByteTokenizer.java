package dev.invariant.engine.text;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A byte-level tokenizer for synthetic models (docs/tokenizer.md): ids 0..255 are the UTF-8 bytes of the
 * text, {@value #BOS} is {@code <bos>}, {@value #EOS} is {@code <eos>}, and every id from 258 up to the
 * vocabulary size is a reserved special token {@code <|reserved_ID|>}. {@link #encode} prepends BOS.
 * Special-token text in the input is encoded as plain bytes, never as a special id.
 */
final class ByteTokenizer implements Tokenizer {
    static final int BOS = 256;
    static final int EOS = 257;
    private final int vocabSize;
    private final String digest;

    ByteTokenizer(int vocabSize) {
        if (vocabSize < EOS + 1) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a byte tokenizer needs a vocabulary of at least "
                    + (EOS + 1) + " ids (256 bytes, <bos>, <eos>), got " + vocabSize + ": raise the model's vocab size");
        }
        this.vocabSize = vocabSize;
        this.digest = new TokenizerDigest()
                .part("byte_tokenizer", "vocab_size=" + vocabSize + "\n")
                .part("special_ids", "bos=" + BOS + "\neos=" + EOS + "\n")
                .hex();
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = utf8(text);
        int[] ids = new int[bytes.length + 1];
        ids[0] = BOS;
        for (int i = 0; i < bytes.length; i++) ids[i + 1] = bytes[i] & 0xFF;
        return ids;
    }

    @Override
    public int[] encodeNoSpecial(String text) {
        byte[] bytes = utf8(text);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
        return ids;
    }

    /** Bytes between special tokens form one UTF-8 stream; invalid sequences become U+FFFD. */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        var text = new StringBuilder();
        var pending = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize) {
                throw new EngineException(ErrorCode.INVALID_PARAM, "token id " + id + " is outside the byte"
                        + " tokenizer's vocabulary [0, " + vocabSize + "): decode only ids the model produced");
            }
            if (id < BOS) {
                pending.write(id);
            } else if (!skipSpecialTokens) {
                text.append(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
                text.append(special(id));
            }
        }
        return text.append(pending.toString(StandardCharsets.UTF_8)).toString();
    }

    private static String special(int id) {
        return switch (id) {
            case BOS -> "<bos>";
            case EOS -> "<eos>";
            default -> "<|reserved_" + id + "|>";
        };
    }

    private static byte[] utf8(String text) {
        if (text == null) throw new EngineException(ErrorCode.INVALID_PARAM, "the text to encode is null");
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Ids 0..255 are their byte; the special ids have none. */
    @Override
    public byte[] tokenBytes(int id) {
        return id >= 0 && id < BOS ? new byte[] {(byte) id} : null;
    }

    @Override
    public OptionalInt bosTokenId() {
        return OptionalInt.of(BOS);
    }

    @Override
    public Set<Integer> eosTokenIds() {
        return Set.of(EOS);
    }

    @Override
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.empty();
    }

    @Override
    public String digest() {
        return digest;
    }

    @Override
    public void close() {
        // nothing native to release
    }
}
