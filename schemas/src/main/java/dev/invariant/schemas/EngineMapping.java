package dev.invariant.schemas;

import dev.invariant.engine.sample.LogitProcessors;
import dev.invariant.engine.sample.SamplingParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Avro {@link Sampling} record as the engine's {@link SamplingParams} and back: one mapping for every reader of an
 * {@code InferenceRequest} or a {@code Completion}'s sampling (the worker's intake, {@code invariant verify}'s
 * re-execution) and every writer of one (the CLI's requests, the worker's completions), so a new sampling field is
 * mapped once (docs/requests.md). Validation is the engine's, when the builder builds. Also the log-probability
 * fields: a request's {@code logprobs} / {@code prompt_logprobs} counts and a completion's entries.
 */
public final class EngineMapping {
    private EngineMapping() {
    }

    public static SamplingParams sampling(Sampling s) {
        return SamplingParams.builder()
                .temperature(s.getTemperature())
                .topK(s.getTopK())
                .topP(s.getTopP())
                .minP(s.getMinP())
                .repetitionPenalty(s.getRepetitionPenalty())
                .presencePenalty(s.getPresencePenalty())
                .frequencyPenalty(s.getFrequencyPenalty())
                .maxTokens(s.getMaxTokens())
                .seed(s.getSeed())
                .stop(s.getStop())
                .stopTokenIds(s.getStopTokenIds())
                .ignoreEos(s.getIgnoreEos())
                .n(s.getN())
                .bestOf(s.getBestOf())
                .useBeamSearch(s.getUseBeamSearch())
                .lengthPenalty(s.getLengthPenalty())
                .earlyStopping(SamplingParams.EarlyStopping.parse(s.getEarlyStopping().toString()))
                .logitBias(LogitProcessors.logitBias(s.getLogitBias()))
                .minTokens(s.getMinTokens())
                .allowedTokenIds(s.getAllowedTokenIds())
                .includeStopStrInOutput(s.getIncludeStopStrInOutput())
                .skipSpecialTokens(s.getSkipSpecialTokens())
                .structuredOutput(structuredOutput(s.getStructuredOutput()))
                .build();
    }

    /** The record of validated parameters; {@link #sampling} gives them back equal. */
    public static Sampling record(SamplingParams p) {
        return Sampling.newBuilder()
                .setTemperature(p.temperature()).setTopK(p.topK()).setTopP(p.topP()).setMinP(p.minP())
                .setRepetitionPenalty(p.repetitionPenalty()).setPresencePenalty(p.presencePenalty())
                .setFrequencyPenalty(p.frequencyPenalty()).setMaxTokens(p.maxTokens()).setSeed(p.seed())
                .setStop(p.stop()).setStopTokenIds(p.stopTokenIds()).setIgnoreEos(p.ignoreEos())
                .setN(p.n()).setBestOf(p.bestOf() == p.n() ? null : p.bestOf())
                .setUseBeamSearch(p.useBeamSearch()).setLengthPenalty(p.lengthPenalty())
                .setEarlyStopping(p.earlyStopping().wire)
                .setLogitBias(logitBiasField(p.logitBias()))
                .setMinTokens(p.minTokens())
                .setAllowedTokenIds(p.allowedTokenIds())
                .setIncludeStopStrInOutput(p.includeStopStrInOutput())
                .setSkipSpecialTokens(p.skipSpecialTokens())
                .setStructuredOutput(structuredOutputField(p.structuredOutput()))
                .build();
    }

    /** The record's structured output (kind by its wire name, spec canonical), validated as a request's is. */
    private static dev.invariant.engine.sample.structured.StructuredOutput structuredOutput(StructuredOutput s) {
        if (s == null) return null;
        var kind = dev.invariant.engine.sample.structured.StructuredOutput.Kind.parse(
                dev.invariant.engine.sample.structured.StructuredOutput.FIELD, s.getKind());
        return dev.invariant.engine.sample.structured.StructuredOutput.of(
                dev.invariant.engine.sample.structured.StructuredOutput.FIELD, kind, s.getSpec());
    }

    private static StructuredOutput structuredOutputField(dev.invariant.engine.sample.structured.StructuredOutput s) {
        return s == null ? null : StructuredOutput.newBuilder().setKind(s.kind().wire).setSpec(s.spec()).build();
    }

    /** logit_bias as Avro's map (string keys, as in JSON): the decimal token id to its binary32 bias. */
    private static Map<String, Float> logitBiasField(Map<Integer, Float> bias) {
        Map<String, Float> out = new LinkedHashMap<>();
        bias.forEach((id, b) -> out.put(Integer.toString(id), b));
        return out;
    }

    /** A request's {@code logprobs} or {@code prompt_logprobs}: null (none) is the engine's -1; the range is checked by the engine's Request. */
    public static int alternatives(Integer field) {
        return field == null ? -1 : field;
    }

    /** The other way: -1 (none) is null. */
    public static Integer alternativesField(int n) {
        return n < 0 ? null : n;
    }

    /** A completion's {@code logprobs} / {@code prompt_logprobs} entries; null for none (the field's default). */
    public static List<TokenLogprob> logprobs(List<dev.invariant.engine.api.TokenLogprob> lps) {
        if (lps.isEmpty()) return null;
        return lps.stream().map(lp -> new TokenLogprob(lp.tokenId(), lp.logprob(),
                lp.top().stream().map(a -> new LogprobAlternative(a.tokenId(), a.logprob())).toList())).toList();
    }

    /** The engine's entries from a completion's (null: none): {@link #logprobs} gives them back equal. */
    public static List<dev.invariant.engine.api.TokenLogprob> tokenLogprobs(List<TokenLogprob> lps) {
        if (lps == null) return List.of();
        return lps.stream().map(lp -> new dev.invariant.engine.api.TokenLogprob(lp.getTokenId(), lp.getLogprob(),
                lp.getTop().stream().map(a -> new dev.invariant.engine.api.TokenLogprob.Alternative(a.getTokenId(),
                        a.getLogprob())).toList())).toList();
    }
}
