package dev.invariant.engine.text.jinja;

/** Finds a keyword in an expression where it is a word of the expression itself, not inside a string or brackets. */
final class ExpressionSplitter {
    private ExpressionSplitter() {
    }

    /** The text before and after the first such {@code keyword}, trimmed; just the text when there is none. */
    static String[] atKeyword(String expr, String keyword) {
        int depth = 0;
        for (int i = 0; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '\'' || c == '"') {
                i = afterString(expr, i) - 1;
            } else if ("([{".indexOf(c) >= 0) {
                depth++;
            } else if (")]}".indexOf(c) >= 0) {
                depth--;
            } else if (depth == 0 && expr.startsWith(keyword, i) && boundary(expr, i - 1)
                    && boundary(expr, i + keyword.length())) {
                return new String[] {expr.substring(0, i).trim(), expr.substring(i + keyword.length()).trim()};
            }
        }
        return new String[] {expr.trim()};
    }

    /** The index after the string literal that opens at {@code start} (the end of the text if it is not closed). */
    static int afterString(String s, int start) {
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            if (s.charAt(i) == '\\') i++;
            else if (s.charAt(i) == quote) return i + 1;
        }
        return s.length();
    }

    private static boolean boundary(String s, int i) {
        return i < 0 || i >= s.length() || !(Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_');
    }
}
