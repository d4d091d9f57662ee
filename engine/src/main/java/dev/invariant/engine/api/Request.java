package dev.invariant.engine.api;

import dev.invariant.engine.sample.SamplingParams;
import java.util.Objects;

/**
 * One generation request.
 *
 * @param requestId  caller's id; without an explicit seed the sampling seed derives from it
 * @param deadlineMs epoch millis after which the request fails with DEADLINE_EXCEEDED; 0 = none
 */
public record Request(String requestId, Prompt prompt, SamplingParams params, long deadlineMs) {
    public Request {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(params, "params");
    }

    public Request(String requestId, Prompt prompt, SamplingParams params) {
        this(requestId, prompt, params, 0L);
    }
}
