package dev.invariant.worker;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.InferenceRequest;

/** The engine request a test's InferenceRequest stands for, built here independently of the worker's mapping. */
final class EngineRequests {
    private EngineRequests() {
    }

    static Request of(InferenceRequest r) {
        Prompt p = r.getPrompt() != null ? new Prompt.Text(r.getPrompt())
                : new Prompt.TokenIds(r.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray());
        var s = r.getSampling();
        return new Request(r.getRequestId(), p, SamplingParams.builder().temperature(s.getTemperature())
                .topK(s.getTopK()).topP(s.getTopP()).minP(s.getMinP()).repetitionPenalty(s.getRepetitionPenalty())
                .presencePenalty(s.getPresencePenalty()).frequencyPenalty(s.getFrequencyPenalty())
                .maxTokens(s.getMaxTokens()).seed(s.getSeed()).stop(s.getStop()).stopTokenIds(s.getStopTokenIds())
                .ignoreEos(s.getIgnoreEos()).n(s.getN()).bestOf(s.getBestOf()).useBeamSearch(s.getUseBeamSearch())
                .lengthPenalty(s.getLengthPenalty()).earlyStopping(SamplingParams.EarlyStopping.parse(s.getEarlyStopping()))
                .build());
    }
}
