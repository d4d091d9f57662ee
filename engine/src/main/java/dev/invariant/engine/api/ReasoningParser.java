package dev.invariant.engine.api;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.text.Tokenizer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a chat answer's thinking is told from its content, named as vLLM's {@code --reasoning-parser} names it: the
 * text of a {@code <think>...</think>} block is the message's {@code reasoning}, what follows it the
 * {@code content}. The output (its text, tokens and output hash) is what the model wrote; the split is read from it,
 * by one definition for whole answers and streams ({@link #split}, {@link #stable}), so a stream's reasoning and
 * content deltas add up to the whole answer's fields (docs/requests.md, Reasoning).
 *
 * <p>Where the block starts: right away when the prompt leaves one open (the chat template ends with {@code <think>}:
 * DeepSeek-R1, Qwen3 thinking models; or a continued final message stops inside its thinking), else after a {@code <think>} the answer opens with (white space before it is
 * dropped). An answer that opens none is content with {@link #QWEN3} (Qwen3 asked not to think, or any model that
 * does not) and reasoning up to {@code </think>} with {@link #DEEPSEEK_R1} (vLLM's rule for R1, which may omit the
 * tag). A block the answer never closes (cut by max_tokens) is reasoning to the end, with no content.
 */
public enum ReasoningParser {
    /** No split: the whole answer is content (vLLM without {@code --reasoning-parser}). */
    NONE("none"),
    QWEN3("qwen3"),
    DEEPSEEK_R1("deepseek_r1");

    static final String OPEN = "<think>";
    static final String CLOSE = "</think>";
    /** Prompt tokens decoded to see whether the prompt leaves a block open (a continued final message's thinking). */
    private static final int TAIL_TOKENS = 512;

    private final String wireName;

    ReasoningParser(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /**
     * An answer's thinking and content. {@code reasoning} is null when the answer has no block; {@code content} is
     * null when nothing follows a block ({@link #split}); a stream's {@link #stable} split has "" for either instead.
     */
    public record Split(String reasoning, String content) {
        /** {@code reasoning}, "" for none. */
        public String reasoningText() {
            return reasoning == null ? "" : reasoning;
        }

        /** {@code content}, "" for none. */
        public String contentText() {
            return content == null ? "" : content;
        }
    }

    /** A parser by its vLLM name; {@code auto} is {@link #detect}'s job and returns null. */
    public static ReasoningParser of(String name) {
        if (name == null || name.isBlank()) return NONE;
        if (name.strip().equals("auto")) return null;
        for (ReasoningParser p : values()) {
            if (p.wireName.equals(name.strip())) return p;
        }
        throw EngineException.invalid("reasoning_parser", "reasoning_parser='" + name + "' is not known: use none, auto"
                + " (read from the chat template) or one of " + Arrays.stream(values()).filter(p -> p != NONE)
                .map(ReasoningParser::wireName).collect(Collectors.joining(", ")));
    }

    /**
     * The parser a chat template calls for: none when it never writes {@code <think>}; {@link #QWEN3} when it is a
     * ChatML template (Qwen3's, which may turn thinking off), else {@link #DEEPSEEK_R1}.
     */
    public static ReasoningParser detect(String templateSource) {
        if (templateSource == null || !templateSource.contains(OPEN)) return NONE;
        return templateSource.contains("<|im_start|>") ? QWEN3 : DEEPSEEK_R1;
    }

    /**
     * Whether prompt {@code promptIds} leaves a block open: in its last tokens' text the last {@code <think>} comes
     * after the last {@code </think>} (a template that ends with {@code <think>}, or a continued final message that
     * stops inside its thinking; Qwen3's template with thinking off ends with an empty, closed block).
     */
    public static boolean opens(Tokenizer tokenizer, int[] promptIds) {
        int from = Math.max(0, promptIds.length - TAIL_TOKENS);
        String tail = tokenizer.decode(Arrays.copyOfRange(promptIds, from, promptIds.length), false);
        return tail.lastIndexOf(OPEN) > tail.lastIndexOf(CLOSE);
    }

    /** The whole answer's split, {@code promptOpens} as {@link #opens} tells. */
    public Split split(boolean promptOpens, String text) {
        return split(promptOpens, text, true);
    }

    /**
     * What of a stream's text so far is certain: each part a prefix of the same part of {@link #split} of any longer
     * text (a tag's first characters at the end, and white space or a tag's start before the answer says whether it
     * opens a block, are held back).
     */
    public Split stable(boolean promptOpens, String textSoFar) {
        return split(promptOpens, textSoFar, false);
    }

    private Split split(boolean promptOpens, String text, boolean complete) {
        if (this == NONE) return new Split(null, text);
        int start = 0;
        if (!promptOpens) {
            int lead = text.length() - text.stripLeading().length();
            if (text.startsWith(OPEN, lead)) {
                start = lead + OPEN.length();
            } else if (!complete && OPEN.startsWith(text.substring(lead))) {
                return new Split("", ""); // white space or the start of a tag: whether a block opens is not known yet
            } else if (this == QWEN3) {
                return new Split(null, text);
            }
        }
        int close = text.indexOf(CLOSE, start);
        if (close < 0) {
            int end = complete ? text.length() : text.length() - heldBack(text, start);
            return new Split(text.substring(start, end), complete ? null : "");
        }
        String content = text.substring(close + CLOSE.length());
        return new Split(text.substring(start, close), complete && content.isEmpty() ? null : content);
    }

    /** The longest end of {@code text} (after {@code from}) that {@code </think>} starts with, and is not all of it. */
    private static int heldBack(String text, int from) {
        for (int n = Math.min(CLOSE.length() - 1, text.length() - from); n > 0; n--) {
            if (text.startsWith(CLOSE.substring(0, n), text.length() - n)) return n;
        }
        return 0;
    }
}
