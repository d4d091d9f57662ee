package dev.invariant.engine.text;

import java.util.function.IntFunction;

/**
 * A token's text as OpenAI's log-probabilities (the worker) and the dashboard's divergence view (the monitor) show it,
 * with its leading space. Decoding a token alone loses the
 * space for SentencePiece tokenizers (Llama's decoder strips the first one), so the token is decoded after a fixed
 * anchor token and the anchor's own text is taken off. Context-free, so the same token always reads the same.
 */
public final class TokenTexts implements IntFunction<String> {
    private final Tokenizer tokenizer;
    private final int anchor;
    private final String anchorText;

    public TokenTexts(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        int[] a = tokenizer.encodeNoSpecial("a");
        this.anchor = a.length > 0 ? a[a.length - 1] : -1;
        this.anchorText = anchor < 0 ? "" : tokenizer.decode(new int[] {anchor}, false);
    }

    @Override
    public String apply(int tokenId) {
        if (anchor >= 0) {
            String both = tokenizer.decode(new int[] {anchor, tokenId}, false);
            if (both.startsWith(anchorText)) return both.substring(anchorText.length());
        }
        return tokenizer.decode(new int[] {tokenId}, false);
    }
}
