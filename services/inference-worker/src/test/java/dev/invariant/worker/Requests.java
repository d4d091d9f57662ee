package dev.invariant.worker;

import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import java.util.List;

/** InferenceRequest records as a client builds them. */
final class Requests {
    private Requests() {
    }

    static InferenceRequest.Builder text(String id, String prompt, int maxTokens) {
        return InferenceRequest.newBuilder().setRequestId(id).setModel("stories260K").setPrompt(prompt)
                .setSampling(Sampling.newBuilder().setMaxTokens(maxTokens).build());
    }

    static InferenceRequest.Builder sampled(String id, String prompt, int maxTokens, float temperature, long seed) {
        return InferenceRequest.newBuilder().setRequestId(id).setModel("stories260K").setPrompt(prompt)
                .setSampling(Sampling.newBuilder().setMaxTokens(maxTokens).setTemperature(temperature)
                        .setTopK(40).setSeed(seed).build());
    }

    static InferenceRequest.Builder tokens(String id, List<Integer> ids, int maxTokens) {
        return InferenceRequest.newBuilder().setRequestId(id).setModel("stories260K").setPromptTokenIds(ids)
                .setSampling(Sampling.newBuilder().setMaxTokens(maxTokens).build());
    }
}
