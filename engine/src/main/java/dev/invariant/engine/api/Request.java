package dev.invariant.engine.api;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.SamplingParams;
import java.util.Objects;

/**
 * One generation request: the engine side of the request contract (docs/requests.md). Every front door (Avro
 * InferenceRequest, the OpenAI JSON API, the CLI's options and JSONL files) maps into this type and nothing else;
 * ranges are checked here and in {@link SamplingParams}, prompt and context rules when the engine prepares it.
 *
 * @param requestId  caller's id; without an explicit seed the sampling seed derives from it
 * @param deadlineMs epoch millis after which the request fails with DEADLINE_EXCEEDED; 0 = none
 * @param logprobs   -1: no log-probabilities; N in [0, {@value #MAX_LOGPROBS}]: each generated token's
 *                   log-probability plus the N most likely alternatives. Not part of the fingerprint: they are
 *                   reported, never used to choose a token.
 * @param promptLogprobs -1: none; N in [0, {@value #MAX_LOGPROBS}]: each prompt token's log-probability (from
 *                   the second token on) plus the N most likely alternatives, as {@code logprobs}
 *                   ({@link GenerationResult#promptLogprobs()}). Not part of the fingerprint either. The whole prompt is
 *                   then computed: no prefix-cache hit.
 */
public record Request(String requestId, Prompt prompt, SamplingParams params, long deadlineMs, int logprobs,
                      int promptLogprobs) {
    /** vLLM's default max_logprobs and OpenAI's limit for top_logprobs. */
    public static final int MAX_LOGPROBS = 20;

    public Request {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(params, "params");
        if (logprobs < -1 || logprobs > MAX_LOGPROBS) {
            throw EngineException.invalid("logprobs", "logprobs must be between 0 and " + MAX_LOGPROBS
                    + " (alternatives per token), got " + logprobs);
        }
        if (promptLogprobs < -1 || promptLogprobs > MAX_LOGPROBS) {
            throw EngineException.invalid("prompt_logprobs", "prompt_logprobs must be between 0 and " + MAX_LOGPROBS
                    + " (alternatives per prompt token), got " + promptLogprobs);
        }
    }

    /** A request without prompt log-probabilities. */
    public Request(String requestId, Prompt prompt, SamplingParams params, long deadlineMs, int logprobs) {
        this(requestId, prompt, params, deadlineMs, logprobs, -1);
    }

    public Request(String requestId, Prompt prompt, SamplingParams params, long deadlineMs) {
        this(requestId, prompt, params, deadlineMs, -1, -1);
    }

    public Request(String requestId, Prompt prompt, SamplingParams params) {
        this(requestId, prompt, params, 0L, -1, -1);
    }

    public boolean wantsLogprobs() {
        return logprobs >= 0;
    }

    public boolean wantsPromptLogprobs() {
        return promptLogprobs >= 0;
    }
}
