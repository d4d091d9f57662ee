package dev.invariant.engine.api;

import dev.invariant.engine.api.JsonTools.Choice;

/**
 * How much of a chat answer's content, as it is being written, is content whatever comes next: text that no call
 * {@link ToolCalls#read} may find later can be streamed before the answer ends, and the rest waits for the end,
 * where the calls are read from the whole text. The rule, per form, keeps what is streamed a prefix of the whole
 * answer's content (and nothing when that content is none), and never takes back a character it once gave:
 * <ul>
 *   <li>no tool choice: everything;</li>
 *   <li>"required" or a named function: nothing (the answer is calls);</li>
 *   <li>hermes: the text before the first {@code <tool_call>}, less an end that may be that marker's start;</li>
 *   <li>llama3_json: nothing while the answer may still be calls (it starts, white space aside, with {@code {} or
 *       {@code <|python_tag|>}, or is still a piece of the tag), else everything;</li>
 *   <li>mistral: nothing when the answer starts with {@code [}, else the text before {@code [TOOL_CALLS]}, less an
 *       end that may be its start;</li>
 * </ul>
 * and, but for no tool choice, nothing while that text is blank (an answer whose text before its calls is blank has
 * no content).
 */
public final class ToolCallStream {
    private static final String OPEN = "<tool_call>";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final String TOOL_CALLS = "[TOOL_CALLS]";

    private ToolCallStream() {
    }

    /** How many leading characters of {@code content}, the answer's content so far, are content for sure. */
    public static int certain(ToolCallFormat format, Choice choice, String content) {
        int n = switch (choice.mode()) {
            case NONE -> content.length();
            case REQUIRED, NAMED -> 0;
            case AUTO -> switch (format) {
                case HERMES -> before(content, OPEN);
                case LLAMA3_JSON -> mayBeCalls(content.stripLeading()) ? 0 : content.length();
                case MISTRAL -> content.stripLeading().startsWith("[") ? 0 : before(content, TOOL_CALLS);
            };
        };
        return choice.mode() != JsonTools.Mode.NONE && content.substring(0, n).isBlank() ? 0 : n;
    }

    private static boolean mayBeCalls(String s) {
        return s.isEmpty() || s.startsWith("{") || s.startsWith(PYTHON_TAG) || PYTHON_TAG.startsWith(s);
    }

    /** The length before {@code marker}'s first occurrence, or before an end that may be its start. */
    private static int before(String text, String marker) {
        int at = text.indexOf(marker);
        if (at >= 0) return at;
        for (int k = Math.min(marker.length() - 1, text.length()); k > 0; k--) {
            if (text.endsWith(marker.substring(0, k))) return text.length() - k;
        }
        return text.length();
    }
}
