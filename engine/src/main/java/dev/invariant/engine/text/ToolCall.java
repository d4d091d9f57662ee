package dev.invariant.engine.text;

import dev.invariant.engine.EngineException;

/**
 * A function call an assistant turn made, as OpenAI's chat API carries it: {@code {id, type: "function", function:
 * {name, arguments}}}, {@code arguments} the JSON text of the call's arguments. Chat templates render earlier calls
 * back into the prompt ({@link ChatTemplate}); the OpenAI-compatible API answers with the calls a completion makes.
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        if (name == null || name.isBlank()) {
            throw EngineException.invalid("messages", "a tool call needs the function's name");
        }
        if (arguments == null) arguments = "{}";
    }
}
