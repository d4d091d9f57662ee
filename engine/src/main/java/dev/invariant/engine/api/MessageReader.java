package dev.invariant.engine.api;

import dev.invariant.engine.text.ToolCall;
import dev.invariant.engine.text.Tokenizer;
import java.util.Arrays;
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

    /** Whether thinking is read out of answers (a reasoning parser other than none). */
    public boolean splitsReasoning() {
        return reasoning != ReasoningParser.NONE;
    }

    /** The prompt's tool choice: none for a completions prompt. */
    public static JsonTools.Choice toolChoice(Prompt p) {
        return p instanceof Prompt.Chat c ? c.toolChoice() : JsonTools.Choice.NONE;
    }

    /** Whether answers to {@code p} are read for tool calls (known only at an answer's end). */
    public static boolean readsCalls(Prompt p) {
        return toolChoice(p).mode() != JsonTools.Mode.NONE;
    }

    /** Whether a prompt leaves a thinking block open; false without a reasoning parser (nothing to read). */
    public boolean opens(int[] promptIds) {
        return splitsReasoning() && ReasoningParser.opens(tokenizer, promptIds);
    }

    /** The message output {@code text} (output hash {@code outputHash}) of chat prompt {@code p} makes. */
    public Message read(Prompt p, int[] promptIds, String text, String outputHash) {
        if (!(p instanceof Prompt.Chat)) return new Message(null, text, List.of()); // a completions prompt: its text
        var split = reasoning.split(opens(promptIds), text);
        var parsed = ToolCalls.read(toolCalls, p, split.contentText(), outputHash);
        String content = parsed.any() ? parsed.content() : split.content();
        return new Message(split.reasoning(), content, parsed.calls());
    }

    /**
     * How many of an answer's output tokens {@code outputIds} were thinking, as usage reports them
     * ({@code reasoning_tokens}): none when its message has no reasoning; else those up to the one that completes
     * {@code </think>} (all of them for a block never closed), found by bisection, since a longer prefix's text holds
     * the tag too.
     */
    public int reasoningTokens(Message m, int[] outputIds) {
        if (m.reasoning() == null) return 0;
        if (!tokenizer.decode(outputIds, false).contains(ReasoningParser.CLOSE)) return outputIds.length;
        int lo = 0;
        int hi = outputIds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokenizer.decode(Arrays.copyOf(outputIds, mid), false).contains(ReasoningParser.CLOSE)) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** The finish reason an answer with this message reports: OpenAI's "tool_calls", except for a named function. */
    public static String finishReason(JsonTools.Choice choice, Message m, String reason) {
        return ToolCalls.finishReason(choice, new ToolCalls.Parsed(m.content(), m.calls()), reason);
    }
}
