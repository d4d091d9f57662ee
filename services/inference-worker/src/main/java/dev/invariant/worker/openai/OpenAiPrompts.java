package dev.invariant.worker.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.SequenceOutput;
import dev.invariant.engine.api.TokenLogprob;
import java.util.List;
import java.util.function.IntFunction;

/**
 * What an answer says about its prompt: vLLM's {@code prompt_logprobs}, the prompt part of echo's logprobs, and the
 * prompt-only answer of echo with {@code max_tokens} 0. The numbers are the engine's
 * ({@link GenerationResult#promptLogprobs()}), computed as the generated tokens' are, to the same bits.
 */
final class OpenAiPrompts {
    private OpenAiPrompts() {
    }

    /**
     * vLLM's {@code prompt_logprobs}: {@code null} for the first prompt token (it has no context), then per prompt
     * token a map from token id (as a string) to {@code {logprob, rank, decoded_token}} holding the token itself and
     * its {@code n} most likely alternatives. An alternative's rank is its 1-based place among them; the prompt
     * token's is its place when it is one of them, and is left out otherwise (the engine reports no rank over the
     * whole vocabulary, so none is made up).
     */
    static ArrayNode vllm(GenerationResult g, int n, IntFunction<String> tokenText) {
        ArrayNode list = OpenAiResponses.JSON.createArrayNode();
        if (g.promptTokenIds().length > 0) list.addNull();
        for (TokenLogprob lp : g.promptLogprobs()) {
            ObjectNode entry = list.addObject();
            ObjectNode self = entry.putObject(Integer.toString(lp.tokenId())).put("logprob", lp.logprob());
            List<TokenLogprob.Alternative> top = top(lp, n).top();
            for (int r = 0; r < top.size(); r++) {
                TokenLogprob.Alternative a = top.get(r);
                if (a.tokenId() == lp.tokenId()) {
                    self.put("rank", r + 1);
                } else {
                    entry.putObject(Integer.toString(a.tokenId())).put("logprob", a.logprob()).put("rank", r + 1)
                            .put("decoded_token", tokenText.apply(a.tokenId()));
                }
            }
            self.put("decoded_token", tokenText.apply(lp.tokenId()));
        }
        return list;
    }

    /**
     * {@code lp} with its {@code n} most likely alternatives: the engine may have computed more (echo's logprobs and
     * prompt_logprobs share one computation, with the larger number), and its top n are a prefix of its top m ≥ n.
     */
    static TokenLogprob top(TokenLogprob lp, int n) {
        return lp.top().size() <= n ? lp : new TokenLogprob(lp.tokenId(), lp.logprob(), lp.top().subList(0, n));
    }

    /**
     * Echo with {@code max_tokens} 0: the engine ran one token (max_tokens 1) that the answer does not show, so each
     * output is the prompt alone: no tokens, no text, no log-probabilities, cumulative log-probability 0 (the sum
     * over no tokens), finish reason {@code length}. The fingerprint and output hash stay the run's, so the choice
     * still names the completion published for it.
     */
    static GenerationResult promptOnly(GenerationResult g) {
        if (!g.ok()) return g;
        List<SequenceOutput> outputs = g.outputs().stream().map(o -> new SequenceOutput(o.index(), new int[0], "",
                FinishReason.LENGTH, o.outputHash(), 0f, List.of())).toList();
        return new GenerationResult(g.requestId(), g.promptTokenIds(), new int[0], "", FinishReason.LENGTH,
                g.fingerprint(), g.outputHash(), g.profile(), g.seed(), g.timings(), g.batchSizes(), null, List.of(),
                outputs, g.promptLogprobs());
    }
}
