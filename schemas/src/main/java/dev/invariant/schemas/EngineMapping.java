package dev.invariant.schemas;

import dev.invariant.engine.sample.SamplingParams;

/**
 * The Avro {@link Sampling} record as the engine's {@link SamplingParams}: one mapping for every reader of an
 * {@code InferenceRequest} (the worker's intake, {@code invariant verify}'s re-execution), so a new sampling field
 * is mapped once (docs/requests.md). Validation is the engine's, when the builder builds.
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
                .build();
    }
}
