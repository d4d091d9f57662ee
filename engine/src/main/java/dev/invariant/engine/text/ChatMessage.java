package dev.invariant.engine.text;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;

/** One chat turn, as the chat template sees it: {@code {"role": ..., "content": ...}}. */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "a chat message needs a role (system, user, assistant)");
        }
        if (content == null) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "the chat message of role '" + role
                    + "' has no content: send an empty string for an empty message");
        }
    }
}
