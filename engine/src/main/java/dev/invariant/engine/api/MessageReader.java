package dev.invariant.engine.api;

import dev.invariant.engine.text.ToolCall;
import dev.invariant.engine.text.Tokenizer;
import java.util.List;

/**
 * How a server reads a chat answer's text into an assistant message: the reasoning ({@link ReasoningParser}), then,
 * from what follows it, the tool calls ({@link ToolCalls}) and the content. One reader per worker, used by every front
 * door (the HTTP answer, its stream's last event, the Completion record), so the same text is the same message
 * everywhere.
 *
 * @param toolCalls how the model writes calls under tool_choice "auto"
 * @param reasoning how its thinking is told from its content ({@link ReasoningParser#NONE}: not at all)
 * @param tokenizer the model's, to read whether a prompt leaves a thinking block open
 */
public record MessageReader(ToolCallFormat toolCalls, ReasoningParser reasoning, Tokenizer tokenizer) {

    /**
     * An assistant message read from an answer.
     *
     * @param reasoning the thinking, null when there is none (or no parser)
     * @param content   the rest less any calls; null when only calls follow the thinking, or nothing does
     * @param calls     the calls the rest makes under the prompt's tool choice
     */
    public record Message(String reasoning, String content, List<ToolCall> calls) {
        public boolean anyCalls() {
            return !calls.isEmpty();
        }
    }

    /** Whether a prompt leaves a thinking block open; false without a reasoning parser (nothing to read). */
    public boolean opens(int[] promptIds) {
        return reasoning != ReasoningParser.NONE && ReasoningParser.opens(tokenizer, promptIds);
    }

    /** The message output {@code text} (output hash {@code outputHash}) of chat prompt {@code p} makes. */
    public Message read(Prompt p, int[] promptIds, String text, String outputHash) {
        if (!(p instanceof Prompt.Chat)) return new Message(null, text, List.of()); // a completions prompt: its text
        var split = reasoning.split(opens(promptIds), text);
        var parsed = ToolCalls.read(toolCalls, p, split.contentText(), outputHash);
        String content = parsed.any() ? parsed.content() : split.content();
        return new Message(split.reasoning(), content, parsed.calls());
    }

    /** The finish reason an answer with this message reports: OpenAI's "tool_calls", except for a named function. */
    public static String finishReason(JsonTools.Choice choice, Message m, String reason) {
        return ToolCalls.finishReason(choice, new ToolCalls.Parsed(m.content(), m.calls()), reason);
    }
}
