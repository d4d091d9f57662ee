package dev.invariant.engine.api;

import dev.invariant.engine.EngineException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a model writes a tool call when {@code tool_choice} is "auto", named as vLLM's {@code --tool-call-parser} names
 * it. Each family's chat template teaches its model one form; {@link #detect} reads which from the template, and a
 * worker may name one instead ({@code invariant.tool-call-parser}). "required" and named choices do not depend on it:
 * they constrain the answer to one JSON form whatever the model (docs/requests.md, Tool calling).
 */
public enum ToolCallFormat {
    /** {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>} blocks after optional content: Qwen2.5, Qwen3, Hermes. */
    HERMES("hermes"),
    /**
     * The answer is {@code {"name": ..., "parameters" or "arguments": {...}}}, several separated by {@code ;},
     * optionally after {@code <|python_tag|>}: Llama 3.1, 3.2, 3.3.
     */
    LLAMA3_JSON("llama3_json"),
    /**
     * {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]} after optional content: Mistral 7B v0.3, Nemo;
     * ids are 9 letters or digits, as Mistral's templates require.
     */
    MISTRAL("mistral");

    private final String wireName;

    ToolCallFormat(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The form a chat template teaches; {@link #HERMES} when the template shows none of them (or there is none). */
    public static ToolCallFormat detect(String templateSource) {
        if (templateSource == null) return HERMES;
        if (templateSource.contains("[TOOL_CALLS]")) return MISTRAL;
        if (templateSource.contains("<tool_call>")) return HERMES;
        // Llama 3.x: built-in tools after <|python_tag|>, JSON calls written as {"name": ..., "parameters": ...}
        if (templateSource.contains("<|python_tag|>")
                || templateSource.contains("<|start_header_id|>") && templateSource.contains("\"parameters\"")) {
            return LLAMA3_JSON;
        }
        return HERMES;
    }

    /** A format by its vLLM name; {@code auto} (or null) is {@link #detect}'s job and returns null. */
    public static ToolCallFormat of(String name) {
        if (name == null || name.isBlank() || name.strip().equals("auto")) return null;
        for (ToolCallFormat f : values()) {
            if (f.wireName.equals(name.strip())) return f;
        }
        throw EngineException.invalid("tool_call_parser", "tool_call_parser='" + name + "' is not known: use auto (read"
                + " from the chat template) or one of " + Arrays.stream(values()).map(ToolCallFormat::wireName)
                .collect(Collectors.joining(", ")));
    }

    /** The id of call {@code index} of an answer whose output hash is {@code outputHash}: the same text, the same ids. */
    String callId(String outputHash, int index) {
        if (this == MISTRAL) { // [a-zA-Z0-9]{9}: Mistral's templates refuse any other id in the next turn
            String i = Integer.toString(index, 36);
            return outputHash.substring(0, 9 - Math.max(2, i.length())) + (i.length() < 2 ? "0" + i : i);
        }
        return "call_" + outputHash.substring(0, 24) + "_" + index;
    }
}
