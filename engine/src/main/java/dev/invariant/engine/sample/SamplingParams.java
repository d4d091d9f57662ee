package dev.invariant.engine.sample;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import dev.invariant.engine.sample.structured.StructuredOutput;

/**
 * Everything that shapes how tokens are chosen; every field is part of the fingerprint.
 * Validated when built: out-of-range values fail with {@link ErrorCode#INVALID_PARAM}.
 *
 * @param temperature       0 means greedy (argmax, ties to the lowest id)
 * @param topK              0 disables
 * @param topP              1 disables
 * @param minP              0 disables
 * @param repetitionPenalty 1 disables (HF/vLLM semantics: divide positive logits, multiply negative)
 * @param presencePenalty   0 disables (OpenAI semantics)
 * @param frequencyPenalty  0 disables (OpenAI semantics)
 * @param maxTokens         tokens to generate at most, > 0; {@value #UP_TO_CONTEXT}: as many as the model's
 *                          context holds after the prompt (OpenAI chat's default), resolved when the engine
 *                          prepares the request and fingerprinted as resolved
 * @param seed              null: the engine derives one from the request id and records it
 * @param stop              stop strings; the text is cut before the first match
 * @param stopTokenIds      extra ids that end generation (besides the model's EOS unless ignoreEos)
 * @param ignoreEos         keep generating through EOS
 * @param n                 outputs returned, >= 1: the beams of a beam search, or n independent samples, sample i
 *                          seeded seed + i (docs/requests.md, "Several outputs")
 * @param bestOf            beam width (vLLM's best_of), >= n; {@code null}: n
 * @param useBeamSearch     beam search instead of sampling (vLLM 0.4 semantics; requires temperature 0, top_k and
 *                          min_p disabled, top_p 1)
 * @param lengthPenalty     beam score = cumulative log-probability / length^lengthPenalty; 1 unless beam search
 * @param earlyStopping     when a beam search stops (vLLM's early_stopping True, False or "never")
 * @param logitBias         OpenAI's logit_bias: token id → bias in [-100, 100], added to that token's raw logit
 *                          (docs/sampling.md, step 1); empty: none. Iterates in ascending id order
 * @param minTokens         vLLM's min_tokens: before this many tokens are out, EOS and stop_token_ids cannot be
 *                          generated and stop strings are not checked; 0 disables; at most max_tokens
 * @param allowedTokenIds   vLLM's allowed_token_ids: only these ids can be generated; null: every id
 * @param structuredOutput  vLLM's structured_outputs / OpenAI's response_format: the whole output must match it
 *                          (docs/sampling.md, step 1); null: none
 * @param includeStopStrInOutput vLLM's include_stop_str_in_output: the text keeps the stop string that ended it, and
 *                          the text of the EOS or stop_token_ids token that ended it (without it, as vLLM, neither)
 * @param skipSpecialTokens vLLM's skip_special_tokens: special tokens (EOS, chat markers) have no text; true by default
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        float presencePenalty,
        float frequencyPenalty,
        int maxTokens,
        Long seed,
        List<String> stop,
        List<Integer> stopTokenIds,
        boolean ignoreEos,
        int n,
        Integer bestOf,
        boolean useBeamSearch,
        float lengthPenalty,
        EarlyStopping earlyStopping,
        Map<Integer, Float> logitBias,
        int minTokens,
        List<Integer> allowedTokenIds,
        StructuredOutput structuredOutput,
        boolean includeStopStrInOutput,
        boolean skipSpecialTokens) {

    /** vLLM's early_stopping: {@code true}, {@code false} or {@code "never"}; the wire spelling is {@link #wire}. */
    public enum EarlyStopping {
        /** Stop as soon as best_of finished hypotheses exist. */
        TRUE("true"),
        /** Stop when the best running beam can no longer beat the worst kept finished one at its current length. */
        FALSE("false"),
        /** Stop only when no running beam could beat it at any length it may still reach (the HF "never"). */
        NEVER("never");

        public final String wire;

        EarlyStopping(String wire) {
            this.wire = wire;
        }

        /** true, false or never (case-insensitive), as vLLM and HF spell them. */
        public static EarlyStopping parse(String s) {
            for (EarlyStopping e : values()) if (e.wire.equalsIgnoreCase(s)) return e;
            throw EngineException.invalid("early_stopping", "early_stopping must be true, false or \"never\", got " + s);
        }
    }

    /** Outputs per request at most (and beam width at most): a bound on the work one request can ask for. */
    public static final int MAX_BEAM_WIDTH = 16;

    public SamplingParams {
        stop = List.copyOf(stop);
        stopTokenIds = List.copyOf(stopTokenIds);
        check(Float.isFinite(temperature) && temperature >= 0, "temperature",
                () -> "temperature must be >= 0, got " + temperature);
        check(topK >= 0, "top_k", () -> "top_k must be >= 0 (0 disables), got " + topK);
        check(topP > 0 && topP <= 1, "top_p", () -> "top_p must be in (0, 1], got " + topP);
        check(minP >= 0 && minP <= 1, "min_p", () -> "min_p must be in [0, 1], got " + minP);
        check(Float.isFinite(repetitionPenalty) && repetitionPenalty > 0, "repetition_penalty",
                () -> "repetition_penalty must be > 0 (1 disables), got " + repetitionPenalty);
        check(Float.isFinite(presencePenalty) && Math.abs(presencePenalty) <= 2, "presence_penalty",
                () -> "presence_penalty must be in [-2, 2], got " + presencePenalty);
        check(Float.isFinite(frequencyPenalty) && Math.abs(frequencyPenalty) <= 2, "frequency_penalty",
                () -> "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
        check(maxTokens >= 0, "max_tokens", () -> "max_tokens must be > 0 (or 0: as many as the model's context holds),"
                + " got " + maxTokens);
        for (String s : stop) check(s != null && !s.isEmpty(), "stop", () -> "stop strings must be non-empty");
        for (Integer id : stopTokenIds) {
            check(id != null && id >= 0, "stop_token_ids", () -> "stop_token_ids must be token ids >= 0, got " + id);
        }
        if (earlyStopping == null) earlyStopping = EarlyStopping.FALSE;
        if (bestOf == null) bestOf = n;
        checkBeams(n, bestOf, useBeamSearch, lengthPenalty, earlyStopping, temperature, topK, topP, minP);
        logitBias = LogitProcessors.checkedBias(logitBias);
        allowedTokenIds = LogitProcessors.checkedAllowed(allowedTokenIds);
        LogitProcessors.checkMinTokens(minTokens, maxTokens);
    }

    /** vLLM's rules (_verify_args, _verify_beam_search, _verify_non_beam_search), with its messages' meaning. */
    private static void checkBeams(int n, int bestOf, boolean beam, float lengthPenalty, EarlyStopping early,
                                   float temperature, int topK, float topP, float minP) {
        check(n >= 1 && n <= MAX_BEAM_WIDTH, "n", () -> "n must be between 1 and " + MAX_BEAM_WIDTH + ", got " + n);
        check(bestOf >= n && bestOf <= MAX_BEAM_WIDTH, "best_of", () -> "best_of must be >= n (" + n + ") and <= "
                + MAX_BEAM_WIDTH + ", got " + bestOf);
        check(Float.isFinite(lengthPenalty), "length_penalty", () -> "length_penalty must be a finite number, got "
                + lengthPenalty);
        if (beam) {
            check(temperature == 0f, "temperature", () -> "temperature must be 0 when using beam search, got " + temperature);
            check(topK == 0, "top_k", () -> "top_k must be -1 (disabled) when using beam search, got " + topK);
            check(topP == 1f, "top_p", () -> "top_p must be 1 when using beam search, got " + topP);
            check(minP == 0f, "min_p", () -> "min_p must be 0 when using beam search, got " + minP);
            return;
        }
        check(early == EarlyStopping.FALSE, "early_stopping",
                () -> "early_stopping has no effect without beam search: leave it false or set use_beam_search");
        check(lengthPenalty == 1f, "length_penalty",
                () -> "length_penalty has no effect without beam search: leave it 1 or set use_beam_search");
        check(bestOf == n, "best_of", () -> "best_of > n needs use_beam_search: without it this engine returns the n"
                + " samples it draws (n independent samples, seeds seed + i), got n=" + n + ", best_of=" + bestOf);
    }

    /** Beam width: how many hypotheses a beam search keeps (best_of). */
    public int beamWidth() {
        return bestOf;
    }

    /** The message is built only when the check fails: a valid request builds none of them. */
    private static void check(boolean ok, String param, Supplier<String> message) {
        if (!ok) throw EngineException.invalid(param, message.get());
    }

    /** Greedy decoding of {@code maxTokens} tokens. */
    public static SamplingParams greedy(int maxTokens) {
        return builder().maxTokens(maxTokens).build();
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }

    /** {@link #maxTokens} meaning "up to the model's context length" (max_model_len - prompt tokens). */
    public static final int UP_TO_CONTEXT = 0;

    public SamplingParams withMaxTokens(int n) {
        return toBuilder().maxTokens(n).build();
    }

    public SamplingParams withSeed(long s) {
        return toBuilder().seed(s).build();
    }

    /** A builder holding these parameters. */
    public Builder toBuilder() {
        return builder().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repetitionPenalty).presencePenalty(presencePenalty)
                .frequencyPenalty(frequencyPenalty).maxTokens(maxTokens).seed(seed).stop(stop)
                .stopTokenIds(stopTokenIds).ignoreEos(ignoreEos).n(n).bestOf(bestOf).useBeamSearch(useBeamSearch)
                .lengthPenalty(lengthPenalty).earlyStopping(earlyStopping).logitBias(logitBias).minTokens(minTokens)
                .allowedTokenIds(allowedTokenIds).structuredOutput(structuredOutput)
                .includeStopStrInOutput(includeStopStrInOutput)
                .skipSpecialTokens(skipSpecialTokens);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder with vLLM's defaults; {@link #build()} validates. */
    public static final class Builder {
        private float temperature = 0f;
        private int topK = 0;
        private float topP = 1f;
        private float minP = 0f;
        private float repetitionPenalty = 1f;
        private float presencePenalty = 0f;
        private float frequencyPenalty = 0f;
        private int maxTokens = 16;
        private Long seed;
        private List<String> stop = List.of();
        private List<Integer> stopTokenIds = List.of();
        private boolean ignoreEos;
        private int n = 1;
        private Integer bestOf;
        private boolean useBeamSearch;
        private float lengthPenalty = 1f;
        private EarlyStopping earlyStopping = EarlyStopping.FALSE;
        private Map<Integer, Float> logitBias = Map.of();
        private int minTokens;
        private List<Integer> allowedTokenIds;
        private StructuredOutput structuredOutput;
        private boolean includeStopStrInOutput;
        private boolean skipSpecialTokens = true;

        public Builder temperature(float v) { temperature = v; return this; }
        public Builder topK(int v) { topK = v; return this; }
        public Builder topP(float v) { topP = v; return this; }
        public Builder minP(float v) { minP = v; return this; }
        public Builder repetitionPenalty(float v) { repetitionPenalty = v; return this; }
        public Builder presencePenalty(float v) { presencePenalty = v; return this; }
        public Builder frequencyPenalty(float v) { frequencyPenalty = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder stopTokenIds(List<Integer> v) { stopTokenIds = v; return this; }
        public Builder ignoreEos(boolean v) { ignoreEos = v; return this; }
        public Builder n(int v) { n = v; return this; }
        public Builder bestOf(Integer v) { bestOf = v; return this; }
        public Builder useBeamSearch(boolean v) { useBeamSearch = v; return this; }
        public Builder lengthPenalty(float v) { lengthPenalty = v; return this; }
        public Builder earlyStopping(EarlyStopping v) { earlyStopping = v; return this; }
        public Builder logitBias(Map<Integer, Float> v) { logitBias = v; return this; }
        public Builder minTokens(int v) { minTokens = v; return this; }
        public Builder allowedTokenIds(List<Integer> v) { allowedTokenIds = v; return this; }
        public Builder structuredOutput(StructuredOutput v) { structuredOutput = v; return this; }
        public Builder includeStopStrInOutput(boolean v) { includeStopStrInOutput = v; return this; }
        public Builder skipSpecialTokens(boolean v) { skipSpecialTokens = v; return this; }

        public SamplingParams build() {
            return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, maxTokens, seed, stop, stopTokenIds, ignoreEos, n, bestOf, useBeamSearch,
                    lengthPenalty, earlyStopping, logitBias, minTokens, allowedTokenIds, structuredOutput,
                    includeStopStrInOutput, skipSpecialTokens);
        }
    }
}
