package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.ext.ExtendedScanner;
import jinjava.de.odysseus.el.tree.impl.Scanner;

/**
 * Reads string literals as Jinja2 does (Python's unicode-escape): {@code '\u2581'}, {@code '\x41'}, {@code '\N{BULLET}'},
 * octal, {@code \a}/{@code \v}, and an unknown escape kept as written. Jinjava refuses all but a few escapes, so a
 * template with {@code '\u2581'} would not render at all. And {@code +} before a digit after an operand is addition:
 * jinjava read {@code n+1} as {@code n} followed by a unary plus, so Kimi's {@code messages[:ns.last+1]} and
 * {@code {{ 1+1 }}} did not parse; {@code .} before a digit after a name is attribute syntax ({@code m.content.0}).
 */
final class PythonScanner extends ExtendedScanner {
    PythonScanner(String input) {
        super(input);
    }

    @Override
    protected Scanner.Token nextToken() throws ScanException {
        String in = getInput();
        int p = getPosition();
        if (in.charAt(p) == '+' && p + 1 < in.length() && Character.isDigit(in.charAt(p + 1)) && afterOperand()) {
            return token(Symbol.PLUS, "+", 1);
        }
        if (in.charAt(p) == '.' && p + 1 < in.length() && Character.isDigit(in.charAt(p + 1)) && afterName()) {
            return token(Symbol.DOT, ".", 1); // m.content.0: an item by attribute syntax, not the number .0
        }
        if (Character.isDigit(in.charAt(p)) && getToken() != null && getToken().getSymbol() == Symbol.DOT) {
            int end = p;
            while (end < in.length() && Character.isDigit(in.charAt(end))) end++;
            return token(Symbol.INTEGER, in.substring(p, end), end - p); // the 0 of x.0.y, not the number 0.
        }
        return super.nextToken();
    }

    private boolean afterName() {
        Scanner.Token t = getToken();
        return t != null && switch (t.getSymbol()) {
            case IDENTIFIER, RPAREN, RBRACK, INTEGER -> true; // INTEGER: the 0 of matrix.0.1
            default -> false;
        };
    }

    /** Whether the token before ends an operand, so that a {@code +} after it is binary. */
    private boolean afterOperand() {
        Scanner.Token t = getToken();
        if (t == null) return false;
        return switch (t.getSymbol()) {
            case INTEGER, FLOAT, STRING, IDENTIFIER, TRUE, FALSE, NULL, RPAREN, RBRACK -> true;
            case EXTENSION -> t.getImage().equals("}");
            default -> false;
        };
    }

    @Override
    protected Scanner.Token nextString() throws ScanException {
        builder.setLength(0);
        String in = getInput();
        char quote = in.charAt(getPosition());
        int i = getPosition() + 1;
        while (i < in.length()) {
            char c = in.charAt(i++);
            if (c == quote) return token(Symbol.STRING, builder.toString(), i - getPosition());
            if (c != '\\') {
                builder.append(c);
                continue;
            }
            if (i == in.length()) break;
            i = escape(in, i);
        }
        throw new ScanException(getPosition(), "unterminated string", String.valueOf(quote));
    }

    /** Appends the escape whose letter is at {@code i}; returns the index after it. */
    private int escape(String in, int i) throws ScanException {
        char c = in.charAt(i++);
        switch (c) {
            case '\n' -> { } // a backslash before a line break joins the lines
            case '\\', '\'', '"' -> builder.append(c);
            case 'a' -> builder.append('\u0007');
            case 'b' -> builder.append('\b');
            case 'f' -> builder.append('\f');
            case 'n' -> builder.append('\n');
            case 'r' -> builder.append('\r');
            case 't' -> builder.append('\t');
            case 'v' -> builder.append('\u000b');
            case 'x' -> i = hex(in, i, 2);
            case 'u' -> i = hex(in, i, 4);
            case 'U' -> i = hex(in, i, 8);
            case 'N' -> i = named(in, i);
            default -> {
                if (c >= '0' && c <= '7') {
                    int end = i - 1;
                    while (end < in.length() && end < i + 2 && in.charAt(end) >= '0' && in.charAt(end) <= '7') end++;
                    builder.appendCodePoint(Integer.parseInt(in, i - 1, end, 8));
                    return end;
                }
                builder.append('\\').append(c); // Python keeps unknown escapes as written
            }
        }
        return i;
    }

    private int hex(String in, int i, int digits) throws ScanException {
        try {
            builder.appendCodePoint(Integer.parseUnsignedInt(in, i, i + digits, 16));
            return i + digits;
        } catch (RuntimeException e) {
            throw new ScanException(i, "truncated \\x, \\u or \\U escape", digits + " hex digits");
        }
    }

    private int named(String in, int i) throws ScanException {
        int end = in.indexOf('}', i);
        try {
            if (in.charAt(i) != '{' || end < 0) throw new IllegalArgumentException();
            builder.appendCodePoint(Character.codePointOf(in.substring(i + 1, end)));
            return end + 1;
        } catch (RuntimeException e) {
            throw new ScanException(i, "malformed \\N character escape", "\\N{name}");
        }
    }
}
