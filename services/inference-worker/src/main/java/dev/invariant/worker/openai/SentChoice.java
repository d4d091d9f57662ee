package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.TokenLogprob;
import dev.invariant.worker.openai.OpenAiResponses.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** What a stream ({@link SseStream}) has sent of one choice, and what its next chunk owes. */
final class SentChoice {
    /** Its text so far as reasoning and content. */
    final StreamedSplit split;
    /** Log-probabilities of tokens whose text is not sent yet. */
    final List<TokenLogprob> pending = new ArrayList<>();
    /** With return_token_ids: the ids of tokens not sent yet, and the prompt's until a chunk has carried them. */
    private final List<Integer> pendingIds = new ArrayList<>();
    private int[] promptIds;
    private boolean promptIdsSent;
    /** Tokens generated so far (continuous usage). */
    private int tokens;
    /**
     * The next token's text_offset: after the echo, or after the prompt's listed tokens, then advanced by each sent
     * token's own text, as the whole answer counts them (a token's text alone can differ from what it adds to the
     * choice's text, e.g. a SentencePiece first token's space).
     */
    int offset;
    boolean anySent;
    /** Its echo chunk is sent, or it has none. */
    boolean echoed;

    SentChoice(StreamedSplit split) {
        this.split = split;
    }

    /** The offset for {@code lps}, the next to be sent, and the offset after them. */
    int advance(List<TokenLogprob> lps, IntFunction<String> tokenText) {
        int at = offset;
        for (TokenLogprob lp : lps) offset += tokenText.apply(lp.tokenId()).length();
        return at;
    }

    void prompt(int[] ids) {
        promptIds = ids;
    }

    void token(int id) {
        pendingIds.add(id);
        tokens++;
    }

    /**
     * {@code chunk} with what it owes when the answer follows tokens: with return_token_ids, the ids of the tokens
     * since the last chunk ({@code whole}, when not null, in their place: a choice that came whole) and, on the first
     * chunk that can, the prompt's ({@code prompt} when the stream never heard them); with continuous usage, the
     * choice's usage so far.
     */
    ObjectNode owed(Answer a, ObjectNode chunk, int[] whole, int[] prompt) {
        if (!a.countsTokens()) return chunk;
        int[] p = promptIds != null ? promptIds : prompt;
        if (whole != null) tokens = whole.length;
        if (a.continuousUsage() && p != null) OpenAiResponses.withUsage(chunk, p.length, tokens);
        if (!a.returnTokenIds()) return chunk;
        int[] ids = whole != null ? whole : pendingIds.stream().mapToInt(Integer::intValue).toArray();
        pendingIds.clear();
        OpenAiResponses.withTokenIds(a, chunk, promptIdsSent ? null : p, ids);
        promptIdsSent |= p != null;
        return chunk;
    }
}
