package dev.invariant.engine.text;

import dev.invariant.engine.EngineException;
import java.util.List;

/**
 * One chat turn, as the chat template sees it: {@code {"role": ..., "content": ...}}, with OpenAI's tool-calling
 * fields: the calls an assistant turn made ({@code tool_calls}; its content may then be null) and, on a {@code tool}
 * turn, the call it answers ({@code tool_call_id}); the participant's {@code name}; and an assistant turn's
 * {@code reasoning} (the thinking a reasoning model wrote before it, which thinking models' templates write back
 * into the prompt, e.g. Qwen3's after the last user turn).
 *
 * <p>The role must be one chat templates render: a template silently skips a role it does not know (Qwen's
 * does), so the model would answer without that message while the caller believes it was read. {@code developer}
 * is OpenAI's newer name for {@code system} (current SDKs send it); Hugging Face templates know only
 * {@code system}, so it is rendered as {@code system}, as OpenAI does for models without a developer role.
 *
 * @param name      OpenAI's {@code name} of the message's author, or null
 * @param reasoning an assistant turn's reasoning (vLLM's {@code reasoning}, formerly {@code reasoning_content}), or null
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId, String name,
                          String reasoning) {
    /** The roles accepted on every front door (Avro, HTTP, CLI). */
    public static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool");

    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw EngineException.invalid("messages", "a chat message needs a role (one of "
                    + String.join(", ", ROLES) + ")");
        }
        if (!ROLES.contains(role)) {
            throw EngineException.invalid("messages", "the chat message role '" + role + "' is not one of "
                    + String.join(", ", ROLES) + ": send the message with one of those roles");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (!toolCalls.isEmpty() && !role.equals("assistant")) {
            throw EngineException.invalid("messages", "a chat message of role '" + role + "' has tool_calls: only"
                    + " assistant messages make tool calls");
        }
        // silently dropped it would leave the caller believing the model re-read its thinking
        if (reasoning != null && !role.equals("assistant")) {
            throw EngineException.invalid("messages", "a chat message of role '" + role + "' has reasoning: only"
                    + " assistant messages carry the model's reasoning");
        }
        if (content == null && toolCalls.isEmpty() && reasoning == null) {
            throw EngineException.invalid("messages", "the chat message of role '" + role
                    + "' has no content: send an empty string for an empty message");
        }
        if (role.equals("developer")) role = "system";
    }

    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null, null, null);
    }

    /** A turn of OpenAI's tool calling: an assistant's calls or a tool's answer, without name or reasoning. */
    public ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
        this(role, content, toolCalls, toolCallId, null, null);
    }
}
