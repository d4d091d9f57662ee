package dev.invariant.worker.kafka;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.NumericsProfile;
import dev.invariant.engine.api.JsonTools;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.api.Request;
import dev.invariant.schemas.ChatMapping;
import dev.invariant.schemas.EngineMapping;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.worker.engine.EngineService;
import java.util.List;

/**
 * The request contract's Avro mapping: an InferenceRequest as an engine Request (docs/requests.md). Only what is
 * particular to this worker is checked here (model, profile); ranges, roles and the prompt and context rules are
 * the contract's, checked by the engine types the same way for every front door. An error is an
 * {@link EngineException} with the code the error completion carries.
 */
public final class RequestMapper {
    private RequestMapper() {
    }

    public static Request toEngine(InferenceRequest r, EngineService engine) {
        if (r.getRequestId() == null || r.getRequestId().isBlank()) {
            throw EngineException.invalid("request_id", "request_id is empty: give every request a unique id");
        }
        if (!engine.serves(r.getModel())) {
            throw new EngineException(ErrorCode.UNKNOWN_MODEL, "model", "this worker serves model '" + engine.modelName()
                    + "', not '" + r.getModel() + "': send the request to a worker that serves it, or name '"
                    + engine.modelName() + "'");
        }
        NumericsProfile wanted = NumericsProfile.fromWire(r.getNumericsProfile().name());
        if (wanted != engine.profile()) {
            throw EngineException.invalid("numerics_profile", "numerics profile '" + wanted.wireName()
                    + "' was asked for, but this worker runs '" + engine.profile().wireName()
                    + "': ask for it, or send the request to a worker running that profile");
        }
        long deadline = r.getDeadlineMs() == null ? 0L : r.getDeadlineMs().toEpochMilli();
        Prompt prompt = prompt(r);
        return new Request(r.getRequestId(), prompt, JsonTools.constrain(prompt, EngineMapping.sampling(r.getSampling())),
                deadline,
                EngineMapping.alternatives(r.getLogprobs()), EngineMapping.alternatives(r.getPromptLogprobs()));
    }

    private static Prompt prompt(InferenceRequest r) {
        int given = (r.getPrompt() != null ? 1 : 0) + (r.getMessages() != null ? 1 : 0)
                + (r.getPromptTokenIds() != null ? 1 : 0);
        if (given == 0) {
            throw new EngineException(ErrorCode.EMPTY_PROMPT, "prompt",
                    "the request has no prompt: set one of prompt, messages or prompt_token_ids");
        }
        if (given > 1) {
            throw EngineException.invalid("prompt",
                    "the request sets more than one of prompt, messages and prompt_token_ids: set exactly one");
        }
        if (r.getMessages() != null) return ChatMapping.chat(r);
        ChatMapping.refuseWithoutMessages(r);
        if (r.getPrompt() != null) return new Prompt.Text(r.getPrompt());
        return new Prompt.TokenIds(r.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray());
    }
}
