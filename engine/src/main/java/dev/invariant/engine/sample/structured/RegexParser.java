package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.List;

/**
 * The regex subset of structured outputs (docs/requests.md, "Structured outputs") parsed into a {@link Node} over
 * UTF-8 bytes: literals and escapes, classes (negated too), {@code .}, {@code * + ? {m} {m,} {m,n}} (a trailing
 * {@code ?} for laziness is accepted: it changes which match a search finds, not which strings match), {@code |},
 * groups {@code ( )} and {@code (?: )}. The whole output must match, so {@code ^} first and {@code $} last are
 * accepted and change nothing. {@code \d \w \s} are ASCII classes. Anything else (look-around, back-references,
 * named groups, Unicode properties) is refused, not ignored: a constraint that is not enforced would be a lie.
 *
 * <p>A JSON schema's {@code pattern} is parsed in {@linkplain #schemaPattern schema mode}, where what the parser
 * takes must also match under ECMA-262 (with the {@code u} flag, as JSON Schema asks) and Python's {@code re} (what
 * pydantic and jsonschema validate with): {@code .} and {@code \D \W \S} take ASCII characters only, as does a
 * negated class holding {@code \d \w \s} or their negations (both dialects' Unicode classes differ there), and
 * what the dialects read differently is refused: a literal brace, a {@code ]} first in a class, {@code \0} before a
 * digit.
 */
final class RegexParser {
    /** Largest count in a {m,n} repeat, so a pattern cannot ask for an automaton of unbounded size. */
    static final int MAX_REPEAT = 1000;
    /** Non-ASCII code points a class may spell out one by one. */
    static final int MAX_CLASS_CODE_POINTS = 4096;

    /** A character set of the pattern: code points {@code [from, to)} of the source, the set they spell. */
    record Span(int from, int to, CharSet set) {
    }

    private final String field;
    private final String label;
    private final boolean schema;
    private final String src;
    final int[] cps;
    /** In schema mode, every character set in source order. */
    final List<Span> spans = new ArrayList<>();
    /** The code points between the anchors: after a leading '^', before a trailing '$'. */
    int bodyFrom;
    int bodyTo;
    private int pos;

    private RegexParser(String field, String label, boolean schema, String src) {
        this.field = field;
        this.label = label;
        this.schema = schema;
        this.src = src;
        this.cps = src.codePoints().toArray();
        this.bodyTo = cps.length;
    }

    /** @param field the request field named in errors */
    static Node parse(String field, String pattern) {
        return new RegexParser(field, field, false, pattern).run();
    }

    /**
     * A JSON schema's pattern, checked in schema mode; its {@link #spans} and body tell how to spell it again.
     *
     * @param label what errors name: the field and the schema path
     */
    static RegexParser schemaPattern(String field, String label, String pattern) {
        RegexParser p = new RegexParser(field, label, true, pattern);
        p.run();
        return p;
    }

    private Node run() {
        if (peek('^')) bodyFrom = ++pos;
        Node n = alternation();
        if (pos < cps.length) throw error("unbalanced ')'");
        return n;
    }

    private Node alternation() {
        List<Node> options = new ArrayList<>();
        options.add(sequence());
        while (peek('|')) {
            pos++;
            options.add(sequence());
        }
        return options.size() == 1 ? options.getFirst() : new Node.Alt(options);
    }

    private Node sequence() {
        List<Node> parts = new ArrayList<>();
        while (pos < cps.length && !peek('|') && !peek(')')) {
            if (peek('$') && pos == cps.length - 1) {
                bodyTo = pos++;
                break;
            }
            parts.add(quantified(atom()));
        }
        return parts.size() == 1 ? parts.getFirst() : new Node.Seq(parts);
    }

    private Node quantified(Node atom) {
        while (pos < cps.length) {
            int c = cps[pos];
            int min;
            int max;
            if (c == '*' || c == '+' || c == '?') {
                pos++;
                min = c == '+' ? 1 : 0;
                max = c == '?' ? 1 : Node.Repeat.UNBOUNDED;
            } else if (c == '{' && braces()) {
                int[] mn = counts();
                min = mn[0];
                max = mn[1];
            } else {
                return atom;
            }
            if (peek('?')) pos++; // lazy: the same set of strings
            else if (peek('+')) throw error("possessive quantifiers are not supported");
            atom = new Node.Repeat(atom, min, max);
        }
        return atom;
    }

    /** Whether a '{' at pos starts a {m}, {m,} or {m,n} (else it is a literal brace, as in Python). */
    private boolean braces() {
        int end = src.indexOf('}', src.offsetByCodePoints(0, pos));
        return end >= 0 && src.substring(src.offsetByCodePoints(0, pos), end + 1).matches("\\{[0-9]+(,[0-9]*)?}");
    }

    private int[] counts() {
        int start = src.offsetByCodePoints(0, pos);
        int end = src.indexOf('}', start);
        String body = src.substring(start + 1, end);
        pos += src.codePointCount(start, end + 1);
        String[] parts = body.split(",", -1);
        int min = number(parts[0]);
        int max = parts.length == 1 ? min : parts[1].isEmpty() ? Node.Repeat.UNBOUNDED : number(parts[1]);
        if (max != Node.Repeat.UNBOUNDED && max < min) throw error("{" + body + "}: the maximum is below the minimum");
        return new int[] {min, max};
    }

    private int number(String digits) {
        if (digits.length() > 4 || Integer.parseInt(digits) > MAX_REPEAT) {
            throw error("repeat counts above " + MAX_REPEAT + " are not supported");
        }
        return Integer.parseInt(digits);
    }

    private Node atom() {
        int from = pos;
        int c = cps[pos++];
        switch (c) {
            case '(' -> {
                if (peek('?')) {
                    if (pos + 1 < cps.length && cps[pos + 1] == ':') pos += 2;
                    else throw error("only (?: ) groups are supported (no look-around, flags or named groups)");
                }
                Node inner = alternation();
                if (!peek(')')) throw error("missing ')'");
                pos++;
                return inner;
            }
            case '[' -> {
                return set(from, charClass());
            }
            case '.' -> {
                CharSet dot = new CharSet();
                dot.ascii.set(0, 128);
                dot.ascii.clear('\n');
                dot.allNonAscii = !schema;
                return set(from, dot);
            }
            case '\\' -> {
                return set(from, escape());
            }
            case '*', '+', '?' -> throw error("'" + Character.toString(c) + "' has nothing to repeat");
            case '^', '$' -> throw error("anchors are implicit (the whole output must match): '"
                    + Character.toString(c) + "' is allowed only first or last");
            default -> {
                if (schema && (c == '{' || c == '}')) {
                    throw error("write a literal brace as \\" + Character.toString(c) + " (dialects read it differently)");
                }
                return set(from, CharSet.of(c));
            }
        }
    }

    private Node set(int from, CharSet s) {
        if (schema) spans.add(new Span(from, pos, s));
        return s.node();
    }

    /** After '[': items up to ']', a leading '^' negates, a leading ']' is literal. */
    private CharSet charClass() {
        boolean negate = peek('^');
        if (negate) pos++;
        if (schema && peek(']')) throw error("write a ']' first in a class as \\] (ECMA-262 reads [] as an empty class)");
        CharSet set = new CharSet();
        boolean first = true;
        boolean shorthand = false;
        while (true) {
            if (pos >= cps.length) throw error("missing ']'");
            int c = cps[pos];
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            pos++;
            CharSet item;
            int lo;
            if (c == '\\') {
                shorthand |= pos < cps.length && "dDwWsS".indexOf(cps[pos]) >= 0;
                item = escape();
                lo = item.single();
            } else {
                item = CharSet.of(c);
                lo = c;
            }
            if (lo >= 0 && peek('-') && pos + 1 < cps.length && cps[pos + 1] != ']') {
                pos++;
                int hi = cps[pos++];
                if (hi == '\\') hi = escape().single();
                if (hi < 0 || hi < lo) throw error("bad class range");
                set.addRange(lo, hi, this);
            } else {
                set.addAll(item, this);
            }
        }
        if (negate) set.negate(this);
        if (negate && shorthand && schema) set.allNonAscii = false;
        return set;
    }

    /** After '\\': a class escape or one literal character. */
    private CharSet escape() {
        if (pos >= cps.length) throw error("the pattern ends with '\\'");
        int c = cps[pos++];
        CharSet s = new CharSet();
        switch (c) {
            case 'd', 'D' -> s.ascii.set('0', '9' + 1);
            case 'w', 'W' -> {
                s.ascii.set('a', 'z' + 1);
                s.ascii.set('A', 'Z' + 1);
                s.ascii.set('0', '9' + 1);
                s.ascii.set('_');
            }
            case 's', 'S' -> " \t\n\r\f\u000b".chars().forEach(s.ascii::set);
            case 'n' -> s.ascii.set('\n');
            case 't' -> s.ascii.set('\t');
            case 'r' -> s.ascii.set('\r');
            case 'f' -> s.ascii.set('\f');
            case 'v' -> s.ascii.set(0x0b);
            case '0' -> s.ascii.set(0);
            case 'x' -> s.addAll(CharSet.of(hex(2)), this);
            case 'u' -> s.addAll(CharSet.of(hex(4)), this);
            default -> {
                if (Character.isLetterOrDigit(c)) {
                    throw error("the escape \\" + Character.toString(c) + " is not supported"
                            + (Character.isDigit(c) ? " (no back-references)" : ""));
                }
                s.addAll(CharSet.of(c), this); // an escaped punctuation character is itself
            }
        }
        if (c == 'D' || c == 'W' || c == 'S') {
            s.ascii.flip(0, 128);
            s.allNonAscii = !schema;
        }
        if (schema && c == '0' && pos < cps.length && Character.isDigit(cps[pos])) {
            throw error("\\0 before a digit is an octal escape in Python: write \\x00 or \\xHH");
        }
        return s;
    }

    private int hex(int digits) {
        if (pos + digits > cps.length) throw error("a \\x or \\u escape needs " + digits + " hex digits");
        String h = new String(cps, pos, digits);
        if (!h.matches("[0-9a-fA-F]+")) throw error("bad hex escape '" + h + "'");
        pos += digits;
        return Integer.parseInt(h, 16);
    }

    private boolean peek(int c) {
        return pos < cps.length && cps[pos] == c;
    }

    EngineException error(String what) {
        return EngineException.invalid(field, label + ": the regex " + quote(src) + " cannot be used: " + what
                + " (at character " + pos + "); see docs/requests.md, \"Structured outputs\", for the supported syntax");
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 77) + "..." : s) + "\"";
    }
}
