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
        ObjectNode root = OpenAiResponses.JSON.createObjectNode();
        ArrayNode tokens = root.putArray("tokens");
        ArrayNode values = root.putArray("token_logprobs");
        ArrayNode tops = root.putArray("top_logprobs");
        ArrayNode offsets = root.putArray("text_offset");
        for (TokenLogprob lp : logprobs) {
            String text = tokenText.apply(lp.tokenId());
            tokens.add(text);
            values.add(lp.logprob());
            ObjectNode top = tops.addObject();
            for (TokenLogprob.Alternative a : lp.top()) top.put(tokenText.apply(a.tokenId()), a.logprob());
            top.put(text, lp.logprob());
            offsets.add(offset);
            offset += text.length();
        }
        return root;
    }

    private static ObjectNode chat(List<TokenLogprob> logprobs, IntFunction<String> tokenText) {
        ObjectNode root = OpenAiResponses.JSON.createObjectNode();
        ArrayNode content = root.putArray("content");
        for (TokenLogprob lp : logprobs) {
            ObjectNode entry = token(content.addObject(), tokenText.apply(lp.tokenId()), lp.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenLogprob.Alternative a : lp.top()) token(top.addObject(), tokenText.apply(a.tokenId()), a.logprob());
        }
        root.putNull("refusal");
        return root;
    }

    private static ObjectNode token(ObjectNode o, String text, float logprob) {
        o.put("token", text).put("logprob", logprob);
        ArrayNode bytes = o.putArray("bytes");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
        return o;
    }
}
