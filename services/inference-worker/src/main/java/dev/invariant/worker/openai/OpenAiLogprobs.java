package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.worker.openai.OpenAiResponses.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Log-probabilities in OpenAI's two shapes. Completions: {@code {tokens, token_logprobs, top_logprobs,
 * text_offset}} where each {@code top_logprobs} entry maps token text to log-probability and, as in vLLM, also
 * holds the sampled token. Chat: {@code {content: [{token, logprob, bytes, top_logprobs: [...]}]}}. The numbers are
 * the engine's ({@link dev.invariant.engine.sample.Logprobs}): the same bits on any batch, worker or backend.
 */
final class OpenAiLogprobs {
    private OpenAiLogprobs() {
    }

    /**
     * @param tokenText  a token id's text (its own decoding, so a piece of a multi-byte character shows as U+FFFD)
     * @param textOffset where the first token's text starts in the choice's text (completions' text_offset)
     */
    static ObjectNode of(Kind kind, List<TokenLogprob> logprobs, IntFunction<String> tokenText, int textOffset) {
        return kind == Kind.CHAT ? chat(logprobs, tokenText) : completion(logprobs, tokenText, textOffset);
    }

    private static ObjectNode completion(List<TokenLogprob> logprobs, IntFunction<String> tokenText, int offset) {
        Columns c = new Columns();
        for (TokenLogprob lp : logprobs) offset = c.add(lp, tokenText, offset);
        return c.root;
    }

    /**
     * Completions' logprobs with the echoed prompt's tokens first, as OpenAI's legacy {@code echo} and vLLM give
     * them: the first prompt token with {@code null} log-probability and alternatives (it has no context), the
     * others from {@code promptLogprobs} (each with {@code n} alternatives), then the generated tokens. Offsets count
     * the listed tokens' texts from 0, as vLLM counts them, so a BOS listed as {@code <s>} shifts the offsets
     * after it by its length although the echoed text does not show it.
     */
    static ObjectNode echoed(int[] promptIds, List<TokenLogprob> promptLogprobs, int n, List<TokenLogprob> generated,
                             IntFunction<String> tokenText) {
        Columns c = new Columns();
        String first = tokenText.apply(promptIds[0]);
        c.tokens.add(first);
        c.values.addNull();
        c.tops.addNull();
        c.offsets.add(0);
        int offset = first.length();
        for (TokenLogprob lp : promptLogprobs) offset = c.add(OpenAiPrompts.top(lp, n), tokenText, offset);
        for (TokenLogprob lp : generated) offset = c.add(lp, tokenText, offset);
        return c.root;
    }

    /** Where a token listed after completions' logprobs {@code listing} would start: its last token's end. */
    static int endOffset(ObjectNode listing) {
        int last = listing.get("tokens").size() - 1;
        if (last < 0) return 0;
        return listing.get("text_offset").get(last).asInt() + listing.get("tokens").get(last).asText().length();
    }

    /** Completions' four parallel lists, filled a token at a time. */
    private static final class Columns {
        final ObjectNode root = OpenAiResponses.JSON.createObjectNode();
        final ArrayNode tokens = root.putArray("tokens");
        final ArrayNode values = root.putArray("token_logprobs");
        final ArrayNode tops = root.putArray("top_logprobs");
        final ArrayNode offsets = root.putArray("text_offset");

        /** One token's entries; the offset after its text. */
        int add(TokenLogprob lp, IntFunction<String> tokenText, int offset) {
            String text = tokenText.apply(lp.tokenId());
            tokens.add(text);
            values.add(lp.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob.Alternative a : lp.top()) top.put(tokenText.apply(a.tokenId()), a.logprob());
            top.put(text, lp.logprob());
            offsets.add(offset);
            return offset + text.length();
        }
    }

    private static ObjectNode chat(List<TokenLogprob> logprobs, IntFunction<String> tokenText) {
        ObjectNode root = OpenAiResponses.JSON.createObjectNode();
        root.set("content", entries(logprobs, tokenText));
        root.putNull("refusal");
        return root;
    }

    /**
     * {@code [{token, logprob, bytes, top_logprobs: [...]}]} for {@code logprobs}: chat's {@code content} list, and
     * the Responses API's {@code logprobs} of an {@code output_text} part and of its stream's deltas.
     */
    static ArrayNode entries(List<TokenLogprob> logprobs, IntFunction<String> tokenText) {
        ArrayNode entries = OpenAiResponses.JSON.createArrayNode();
        for (TokenLogprob lp : logprobs) {
            ObjectNode entry = token(entries.addObject(), tokenText.apply(lp.tokenId()), lp.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenLogprob.Alternative a : lp.top()) token(top.addObject(), tokenText.apply(a.tokenId()), a.logprob());
        }
        return entries;
    }

    private static ObjectNode token(ObjectNode o, String text, float logprob) {
        o.put("token", text).put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return o;
    }
}
