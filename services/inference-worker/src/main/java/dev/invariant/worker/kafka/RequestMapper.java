package dev.invariant.worker.kafka;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.text.ChatMessage;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import dev.invariant.worker.engine.ChatMessages;
import dev.invariant.worker.engine.EngineService;
import java.util.List;

/**
 * An Avro InferenceRequest as an engine Request. Whatever makes it unusable here is an {@link EngineException}
 * with the code the error completion carries; the engine itself finds the rest (empty or too long prompt, ...).
 */
public final class RequestMapper {
    private RequestMapper() {
    }

    public static Request toEngine(InferenceRequest r, EngineService engine) {
        if (r.getRequestId() == null || r.getRequestId().isBlank()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "request_id is empty: give every request a unique id");
        }
        if (!engine.serves(r.getModel())) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "this worker serves model '" + engine.modelName()
                    + "', not '" + r.getModel() + "': send the request to a worker that serves it, or name '"
                    + engine.modelName() + "'");
        }
        NumericsProfile wanted = NumericsProfile.fromWire(r.getNumericsProfile().name());
        if (wanted != engine.profile()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "numerics profile '" + wanted.wireName()
                    + "' was asked for, but this worker runs '" + engine.profile().wireName()
                    + "': ask for it, or send the request to a worker running that profile");
        }
        long deadline = r.getDeadlineMs() == null ? 0L : r.getDeadlineMs().toEpochMilli();
        return new Request(r.getRequestId(), prompt(r), sampling(r.getSampling()), deadline);
    }

    private static Prompt prompt(InferenceRequest r) {
        int given = (r.getPrompt() != null ? 1 : 0) + (r.getMessages() != null ? 1 : 0)
                + (r.getPromptTokenIds() != null ? 1 : 0);
        if (given == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT,
                    "the request has no prompt: set one of prompt, messages or prompt_token_ids");
        }
        if (given > 1) {
            throw new EngineException(ErrorCode.INVALID_PARAM,
                    "the request sets more than one of prompt, messages and prompt_token_ids: set exactly one");
        }
        if (r.getPrompt() != null) return new Prompt.Text(r.getPrompt());
        if (r.getMessages() != null) {
            List<ChatMessage> messages = r.getMessages().stream()
                    .map(m -> ChatMessages.of(m.getRole(), m.getContent())).toList();
            return new Prompt.Chat(messages);
        }
        return new Prompt.TokenIds(r.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray());
    }

    private static SamplingParams sampling(Sampling s) {
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
                .build();
    }
}
