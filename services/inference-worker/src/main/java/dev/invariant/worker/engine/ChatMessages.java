package dev.invariant.worker.engine;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.text.ChatMessage;
import java.util.List;

/**
 * Chat messages as both front doors (Kafka and HTTP) accept them. The role must be one that chat templates render:
 * a template silently skips a role it does not know (Qwen's does), so the model would answer a conversation without
 * that message while the caller believes it was read.
 */
public final class ChatMessages {
    /** The roles of InferenceRequest.avsc and of OpenAI's chat API that Hugging Face chat templates render. */
    public static final List<String> ROLES = List.of("system", "user", "assistant", "tool");

    private ChatMessages() {
    }

    /** @throws EngineException INVALID_PARAM for a missing or unknown role or a missing content */
    public static ChatMessage of(String role, String content) {
        if (role != null && !role.isBlank() && !ROLES.contains(role)) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "the chat message role '" + role
                    + "' is not one of " + String.join(", ", ROLES) + ": send the message with one of those roles");
        }
        return new ChatMessage(role, content);
    }
}
