package dev.invariant.engine.text;

import java.util.Arrays;

/**
 * Turns a stream of token ids into text deltas for streaming. The deltas concatenate to exactly
 * {@code decode(allIds, skipSpecialTokens)}, and a delta never ends inside a UTF-8 character.
 *
 * <p>How: the text of a window of recent tokens is decoded at each step, and what goes beyond the text
 * already emitted from that window is new. Text is held back while it ends in U+FFFD (an incomplete
 * UTF-8 sequence) or while the last token is a byte-fallback token (a run of byte tokens is decoded as one
 * unit, so a later byte can still change it). The window starts at an earlier emission point, never at the
 * current one, so decoders that strip the first space of their output strip it inside the window's own
 * known text. Not thread-safe: one instance per sequence. Call {@link #flush} once, at the end.
 */
public final class IncrementalDetokenizer {
    /** Tokens a window may hold before it moves forward; bounds the cost of each step. */
    private static final int WINDOW = 16;
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[64];
    private int count;
    /** First token of the decode window. */
    private int start;
    /** Token count at the last emission: the text of ids[0..boundary) is final. */
    private int boundary;
    /** The text of ids[start..boundary), decoded as a window; everything in it has been emitted. */
    private String windowText = "";

    public IncrementalDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** Adds one generated token; returns the text that became certain ("" when it must wait). */
    public String push(int tokenId) {
        if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
        ids[count++] = tokenId;
        if (tokenizer instanceof HfTokenizer hf && hf.isByteFallback(tokenId)) return "";
        String text = decode(start, count);
        if (text.isEmpty() || text.charAt(text.length() - 1) == REPLACEMENT || !text.startsWith(windowText)) {
            return "";
        }
        String delta = text.substring(windowText.length());
        int previous = boundary;
        boundary = count;
        windowText = text;
        if (count - start > WINDOW && previous > start) moveWindow(previous);
        return delta;
    }

    /** Whatever is still held back (an unfinished character comes out as U+FFFD, as decode gives it). */
    public String flush() {
        if (boundary == count) return "";
        String text = decode(start, count);
        // the window's text only ever grows at its end for the decoders of HF models; if one ever rewrote
        // earlier text, emit from the first difference rather than repeat text
        int same = text.startsWith(windowText) ? windowText.length() : commonPrefix(text, windowText);
        boundary = count;
        windowText = text;
        return text.substring(same);
    }

    /** Starts the window at an earlier emission point, if the window's text from there is not empty. */
    private void moveWindow(int newStart) {
        String known = decode(newStart, boundary);
        if (known.isEmpty()) return; // an empty prefix could let a decoder strip the next token's space
        start = newStart;
        windowText = known;
    }

    private String decode(int from, int to) {
        return tokenizer.decode(Arrays.copyOfRange(ids, from, to), skipSpecialTokens);
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }
}
