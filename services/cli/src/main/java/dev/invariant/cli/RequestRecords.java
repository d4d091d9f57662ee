package dev.invariant.cli;

import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.ChatMapping;
import dev.invariant.schemas.EngineMapping;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Sampling;
import java.util.Arrays;
import java.util.Map;

/** A request as the CLI built it, turned into the InferenceRequest record that goes on the requests topic. */
public final class RequestRecords {
    private RequestRecords() {
    }

    public static InferenceRequest of(Request r, String model, Numerics profile, boolean stream) {
        Sampling s = EngineMapping.record(r.params());
        InferenceRequest.Builder b = InferenceRequest.newBuilder()
                .setRequestId(r.requestId()).setModel(model).setSampling(s).setNumericsProfile(profile)
                .setStream(stream).setMetadata(Map.of("client", "invariant-cli"))
                .setLogprobs(EngineMapping.alternativesField(r.logprobs()))
                .setPromptLogprobs(EngineMapping.alternativesField(r.promptLogprobs()));
        switch (r.prompt()) {
            case Prompt.Text t -> b.setPrompt(t.text());
            case Prompt.Chat c -> ChatMapping.write(c, b);
            case Prompt.TokenIds t -> b.setPromptTokenIds(Arrays.stream(t.ids()).boxed().toList());
        }
        return b.build();
    }
}
