package dev.invariant.worker.openai;

import dev.invariant.engine.api.ReasoningParser;
import java.util.function.ToIntFunction;

/**
 * One streamed answer's text as its parts come: each delta's new, certain reasoning and content, by the split
 * {@link ReasoningParser#stable} defines (all content without a parser) and, of the content, the part no tool call
 * read at the end can take ({@code certain}: {@link dev.invariant.engine.api.ToolCallStream}), so that what a stream
 * sends adds up to the whole answer's message; then the rest of the whole message's parts. Used by both SSE writers.
 */
final class StreamedSplit {
    /** New text of each part ("" for none). */
    record Parts(String reasoning, String content) {
        boolean isEmpty() {
            return reasoning.isEmpty() && content.isEmpty();
        }
    }

    private final ReasoningParser parser;
    /** How many leading characters of the content so far are content whatever follows; null: all of them. */
    private final ToIntFunction<String> certain;
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    /** The prompt leaves a thinking block open (the engine tells, before the first token). */
    private boolean opens;

    StreamedSplit(ReasoningParser parser) {
        this(parser, null);
    }

    StreamedSplit(ReasoningParser parser, ToIntFunction<String> certain) {
        this.parser = parser;
        this.certain = certain;
    }

    void opens(boolean opens) {
        this.opens = opens;
    }

    /** The parts {@code delta} makes certain, taken as given out. */
    Parts add(String delta) {
        // nothing to split or hold back: the delta is content as it is (no copy of the text so far per token)
        if (parser == ReasoningParser.NONE && certain == null) return taken("", delta);
        text.append(delta);
        String r = "";
        String c = text.toString();
        if (parser != ReasoningParser.NONE) {
            var now = parser.stable(opens, c);
            r = now.reasoningText();
            c = now.contentText();
        }
        int sure = certain == null ? c.length() : certain.applyAsInt(c);
        return taken(r.substring(reasoning.length()), c.substring(content.length(), sure));
    }

    /** What of the whole message's parts (null: none) was not given out yet, taken as given out. */
    Parts rest(String wholeReasoning, String wholeContent) {
        return taken(after(wholeReasoning, reasoning), after(wholeContent, content));
    }

    /** The reasoning given out so far. */
    String reasoning() {
        return reasoning.toString();
    }

    /** The content given out so far. */
    String content() {
        return content.toString();
    }

    private Parts taken(String r, String c) {
        reasoning.append(r);
        content.append(c);
        return new Parts(r, c);
    }

    private static String after(String whole, CharSequence sent) {
        String w = whole == null ? "" : whole;
        return w.startsWith(sent.toString()) ? w.substring(sent.length()) : "";
    }
}
