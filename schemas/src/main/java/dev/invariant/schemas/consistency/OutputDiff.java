package dev.invariant.schemas.consistency;

import java.util.List;

/** Where two outputs of one fingerprint part ways: by token position, and by character in their texts. */
public final class OutputDiff {

    private OutputDiff() {
    }

    /**
     * The first position where the token ids differ; when one list is a prefix of the other, the shorter length
     * (the position where one output stopped and the other went on); -1 when they are equal.
     */
    public static int firstDifferentToken(List<Integer> a, List<Integer> b) {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            if (!a.get(i).equals(b.get(i))) return i;
        }
        return a.size() == b.size() ? -1 : n;
    }

    /** The first character index where the strings differ (as {@link #firstDifferentToken}, for text). */
    public static int firstDifferentChar(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            if (a.charAt(i) != b.charAt(i)) return i;
        }
        return a.length() == b.length() ? -1 : n;
    }

    /** The tokens from {@code start} up to {@code after} tokens past {@code at}, clipped to the list. */
    public static List<Integer> window(List<Integer> tokens, int start, int at, int after) {
        int from = Math.min(Math.max(0, start), tokens.size());
        int to = Math.min(tokens.size(), Math.max(from, at + after + 1));
        return List.copyOf(tokens.subList(from, to));
    }

    /** Characters {@code before} chars before {@code at} to {@code after} chars after it, clipped, never splitting a surrogate pair. */
    public static String textWindow(String text, int at, int before, int after) {
        int from = Math.max(0, Math.min(at, text.length()) - before);
        int to = Math.min(text.length(), Math.max(from, at) + after);
        if (from > 0 && Character.isLowSurrogate(text.charAt(from))) from--;
        if (to < text.length() && to > 0 && Character.isHighSurrogate(text.charAt(to - 1))) to++;
        return text.substring(from, to);
    }

    /** Offset of {@code at} inside {@link #textWindow} of the same arguments. */
    public static int textWindowOffset(String text, int at, int before) {
        int from = Math.max(0, Math.min(at, text.length()) - before);
        if (from > 0 && Character.isLowSurrogate(text.charAt(from))) from--;
        return Math.max(0, at - from);
    }
}
