package dev.invariant.schemas;

import dev.invariant.engine.sample.SamplingParams;

/**
 * The Avro {@link Sampling} record as the engine's {@link SamplingParams} and back: one mapping for every reader of an
 * {@code InferenceRequest} or a {@code Completion}'s sampling (the worker's intake, {@code invariant verify}'s
 * re-execution) and every writer of one (the CLI's requests, the worker's completions), so a new sampling field is
 * mapped once (docs/requests.md). Validation is the engine's, when the builder builds.
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
                .build();
    }
}
