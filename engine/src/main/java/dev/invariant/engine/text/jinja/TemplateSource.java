package dev.invariant.engine.text.jinja;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's lexer rules that jinjava gets wrong, applied to the template source before jinjava parses it: newlines
 * normalised to {@code \n}, one trailing newline dropped (keep_trailing_newline=False), lstrip_blocks (jinjava's
 * switch also strips spaces after text on the same line), comments with their whitespace control and trim_blocks
 * (jinjava ate text after some comments), and raw blocks (jinjava refused {@code {% raw -%}}). Tags and
 * expressions pass through unchanged, for jinjava to parse.
 */
public final class TemplateSource {
    private static final Pattern RAW = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-?)%}");
    private static final Pattern END_RAW = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(-?)%}");
    /** Stands where a comment was, so that the text on either side stays apart, as in Jinja2. */
    private static final String NOTHING = "{{ '' }}";

    private final String in;
    private final StringBuilder out = new StringBuilder();
    private int at;
    /** Where the text since the last tag starts in {@code out}, and whether it starts a line (for lstrip_blocks). */
    private int textStart;
    private boolean textStartsLine = true;

    private TemplateSource(String in) {
        this.in = in;
    }

    /** The source to hand to jinjava. */
    public static String prepare(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return new TemplateSource(s.endsWith("\n") ? s.substring(0, s.length() - 1) : s).run();
    }

    private String run() {
        while (at < in.length()) {
            if (in.startsWith("{{", at)) {
                copyTag("}}");
                startText(false);
            } else if (in.startsWith("{%", at)) {
                Matcher raw = RAW.matcher(in).region(at, in.length());
                if (raw.lookingAt()) {
                    raw(raw);
                } else {
                    lstrip(in.charAt(at + 2));
                    copyTag("%}");
                    startText(false);
                }
            } else if (in.startsWith("{#", at)) {
                comment();
            } else {
                out.append(in.charAt(at++));
            }
        }
        return out.toString();
    }

    private void startText(boolean startsLine) {
        textStart = out.length();
        textStartsLine = startsLine;
    }

    /** lstrip_blocks: a block or comment tag alone after indentation takes the indentation away, unless it opens with +. */
    private void lstrip(char sign) {
        if (sign == '+') return;
        int lineStart = out.lastIndexOf("\n") + 1;
        if (lineStart <= textStart && !textStartsLine) return;
        int from = Math.max(lineStart, textStart);
        for (int i = from; i < out.length(); i++) {
            if (!Character.isWhitespace(out.charAt(i))) return;
        }
        out.setLength(from);
    }

    /**
     * A tag or expression up to its end, which does not count inside a string literal or open brackets (Jinja2's lexer
     * balances them). Jinjava ends an expression at the first {@code }}}, so the {@code }}} of nested dicts
     * ({@code {{ {'a': {'b': 1}} }}}) is written {@code } }}.
     */
    private void copyTag(String end) {
        out.append(in, at, at + 2);
        int i = at + 2;
        int depth = 0;
        while (i < in.length() && !(depth == 0 && in.startsWith(end, i))) {
            char c = in.charAt(i);
            if (c == '\'' || c == '"') {
                int after = ExpressionSplitter.afterString(in, i);
                out.append(in, i, after);
                i = after;
                continue;
            }
            if (c == '(' || c == '[' || c == '{') depth++;
            if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
            out.append(c);
            if (c == '}' && i + 1 < in.length() && in.charAt(i + 1) == '}') out.append(' ');
            i++;
        }
        int stop = Math.min(i + end.length(), in.length());
        out.append(in, i, stop);
        at = stop;
    }

    /** {@code {# ... #}}: gone, with {@code -} stripping whitespace on its side and trim_blocks after it. */
    private void comment() {
        char open = at + 2 < in.length() ? in.charAt(at + 2) : 0;
        lstrip(open);
        if (open == '-') stripOutput();
        int end = in.indexOf("#}", at + 2);
        if (end < 0) throw new IllegalArgumentException("Missing end of comment tag");
        at = end + 2;
        afterTag(in.charAt(end - 1) == '-');
        out.append(NOTHING);
        startText(at > 0 && in.charAt(at - 1) == '\n');
    }

    /**
     * {@code {% raw %}...{% endraw %}}: the text between, printed as it is (an expression, so jinjava neither parses
     * it nor trims around it). Jinja2 trims no newline after the raw tag, but does after endraw.
     */
    private void raw(Matcher start) {
        lstrip(start.group(1).isEmpty() ? ' ' : start.group(1).charAt(0));
        if (start.group(1).equals("-")) stripOutput();
        Matcher end = END_RAW.matcher(in).region(start.end(), in.length());
        if (!end.find()) throw new IllegalArgumentException("Missing end of raw directive");
        String text = in.substring(start.end(), end.start());
        if (start.group(2).equals("-")) text = text.stripLeading();
        if (end.group(1).equals("-")) {
            text = text.stripTrailing();
        } else if (!end.group(1).equals("+")) { // lstrip_blocks before endraw
            int lineStart = text.lastIndexOf('\n') + 1;
            if (lineStart > 0 && text.substring(lineStart).isBlank()) text = text.substring(0, lineStart);
        }
        at = end.end();
        afterTag(end.group(2).equals("-"));
        out.append("{{ ").append(PythonStr.quote(text)).append(" }}");
        startText(in.charAt(at - 1) == '\n');
    }

    /** After a tag: {@code -} strips the whitespace that follows; else trim_blocks drops one newline. */
    private void afterTag(boolean strip) {
        if (strip) {
            while (at < in.length() && Character.isWhitespace(in.charAt(at))) at++;
        } else if (at < in.length() && in.charAt(at) == '\n') {
            at++;
        }
    }

    /** {@code -} at a tag's start: the whitespace before it goes, back to the previous tag. */
    private void stripOutput() {
        int end = out.length();
        while (end > textStart && Character.isWhitespace(out.charAt(end - 1))) end--;
        out.setLength(end);
    }
}
