package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.sample.structured.Grammar.Alt;
import dev.invariant.engine.sample.structured.Grammar.Chars;
import dev.invariant.engine.sample.structured.Grammar.Expr;
import dev.invariant.engine.sample.structured.Grammar.Lit;
import dev.invariant.engine.sample.structured.Grammar.Ref;
import dev.invariant.engine.sample.structured.Grammar.Repeat;
import dev.invariant.engine.sample.structured.Grammar.Seq;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a grammar in the GBNF / EBNF form (docs/requests.md, "Structured outputs"): rules {@code name ::= expr},
 * sequences, {@code |}, groups, {@code * + ? {m} {m,} {m,n}}, string literals, classes, {@code .} and {@code #}
 * comments. A rule ends where the next {@code name ::=} starts, so line breaks are free. Errors name the field, the
 * rule and the line and column.
 */
final class GbnfParser {
    /** Repeat counts at most: {@code {m,n}} expands to n copies. */
    static final int MAX_REPEAT = 1000;
    private static final Pattern LARK = Pattern.compile("(?m)^\\s*[?!]?[A-Za-z_][A-Za-z_0-9]*\\s*:(?!:=)|^\\s*%(import|ignore)");

    private final String field;
    private final int[] cps;
    private int pos;
    private String rule;

    private GbnfParser(String field, String text) {
        this.field = field;
        this.cps = text.codePoints().toArray();
    }

    static Grammar parse(String field, String text) {
        return new GbnfParser(field, text).grammar(text);
    }

    private Grammar grammar(String text) {
        if (!text.contains("::=") && LARK.matcher(text).find()) {
            throw EngineException.invalid(field, field + ": the grammar is in Lark form, which this server does not"
                    + " read: write it in GBNF / EBNF form (name ::= expression, root the start rule)");
        }
        Map<String, Expr> rules = new LinkedHashMap<>();
        space();
        while (pos < cps.length) {
            String name = name();
            if (name == null) throw error("a rule name is expected");
            rule = name;
            space();
            if (!ahead("::=")) throw error("'::=' is expected after the rule name");
            pos += 3;
            if (rules.containsKey(name)) throw error("the rule is defined twice");
            rules.put(name, alternatives());
            if (pos < cps.length && cps[pos] == ')') throw error("unbalanced ')'");
        }
        if (rules.isEmpty()) throw error("the grammar has no rules");
        return new Grammar(rules);
    }

    private Expr alternatives() {
        List<Expr> options = new ArrayList<>();
        options.add(sequence());
        while (pos < cps.length && cps[pos] == '|') {
            pos++;
            options.add(sequence());
        }
        return options.size() == 1 ? options.getFirst() : new Alt(options);
    }

    private Expr sequence() {
        List<Expr> items = new ArrayList<>();
        while (true) {
            space();
            if (pos >= cps.length || cps[pos] == '|' || cps[pos] == ')' || ruleStart()) break;
            Expr e = element();
            while (true) {
                space();
                if (pos >= cps.length) break;
                int c = cps[pos];
                if (c == '*' || c == '+' || c == '?') {
                    pos++;
                    e = new Repeat(e, c == '+' ? 1 : 0, c == '?' ? 1 : Repeat.UNBOUNDED);
                } else if (c == '{') {
                    e = bounds(e);
                } else {
                    break;
                }
            }
            items.add(e);
        }
        return items.size() == 1 ? items.getFirst() : new Seq(items);
    }

    private Expr element() {
        int c = cps[pos];
        switch (c) {
            case '"' -> {
                return literal();
            }
            case '[' -> {
                return chars();
            }
            case '.' -> {
                pos++;
                return new Chars(new int[0], false, true);
            }
            case '(' -> {
                pos++;
                Expr inner = alternatives();
                if (pos >= cps.length || cps[pos] != ')') throw error("'(' is not closed");
                pos++;
                return inner;
            }
            default -> {
                String name = name();
                if (name == null) throw error("unexpected '" + Character.toString(c) + "'");
                return new Ref(name);
            }
        }
    }

    private Expr literal() {
        pos++;
        List<Integer> out = new ArrayList<>();
        while (true) {
            if (pos >= cps.length) throw error("the string is not closed");
            if (cps[pos] == '"') break;
            out.add(character());
        }
        pos++;
        return new Lit(out.stream().mapToInt(Integer::intValue).toArray());
    }

    private Expr chars() {
        pos++;
        boolean negated = pos < cps.length && cps[pos] == '^';
        if (negated) pos++;
        List<Integer> ranges = new ArrayList<>();
        while (true) {
            if (pos >= cps.length) throw error("the character class is not closed");
            if (cps[pos] == ']') break;
            int lo = character();
            int hi = lo;
            if (pos + 1 < cps.length && cps[pos] == '-' && cps[pos + 1] != ']') {
                pos++;
                hi = character();
                if (hi < lo) throw error("the range ends below its start");
            }
            ranges.add(lo);
            ranges.add(hi);
        }
        pos++;
        if (ranges.isEmpty()) throw error("an empty character class matches nothing");
        return new Chars(ranges.stream().mapToInt(Integer::intValue).toArray(), negated, false);
    }

    /** One character of a literal or class, escapes read. */
    private int character() {
        int c = cps[pos++];
        if (c != '\\') return c;
        if (pos >= cps.length) throw error("an escape is not finished");
        int e = cps[pos++];
        int cp = switch (e) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'x' -> hex(2);
            case 'u' -> hex(4);
            case 'U' -> hex(8);
            case '\\', '"', '\'', '[', ']', '-', '^', '/' -> e;
            default -> throw error("unknown escape '\\" + Character.toString(e) + "'");
        };
        if (cp >= 0xD800 && cp <= 0xDFFF || cp > 0x10FFFF) throw error("the escape is not a Unicode character");
        return cp;
    }

    private int hex(int digits) {
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = pos < cps.length ? Character.digit(cps[pos], 16) : -1;
            if (d < 0) throw error("the escape needs " + digits + " hex digits");
            v = v * 16 + d;
            pos++;
        }
        return v;
    }

    private Expr bounds(Expr body) {
        pos++;
        space();
        int min = count();
        space();
        int max = min;
        if (pos < cps.length && cps[pos] == ',') {
            pos++;
            space();
            max = pos < cps.length && Character.isDigit(cps[pos]) ? count() : Repeat.UNBOUNDED;
            space();
        }
        if (pos >= cps.length || cps[pos] != '}') throw error("'{' is not closed: write {m}, {m,} or {m,n}");
        pos++;
        if (max != Repeat.UNBOUNDED && max < min) throw error("the repeat's maximum is below its minimum");
        return new Repeat(body, min, max);
    }

    private int count() {
        int start = pos;
        long v = 0;
        while (pos < cps.length && cps[pos] >= '0' && cps[pos] <= '9') {
            v = Math.min(v * 10 + cps[pos++] - '0', Integer.MAX_VALUE);
        }
        if (pos == start) throw error("a repeat count is expected");
        if (v > MAX_REPEAT) throw error("repeat counts above " + MAX_REPEAT + " are not supported");
        return (int) v;
    }

    private String name() {
        int start = pos;
        while (pos < cps.length && (Character.isLetterOrDigit(cps[pos]) && cps[pos] < 128 || cps[pos] == '_'
                || cps[pos] == '-')) {
            pos++;
        }
        return pos == start ? null : new String(cps, start, pos - start);
    }

    /** Whether {@code name ::=} starts here: the end of the rule before. */
    private boolean ruleStart() {
        int at = pos;
        try {
            if (name() == null) return false;
            space();
            return ahead("::=");
        } finally {
            pos = at;
        }
    }

    private boolean ahead(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (pos + i >= cps.length || cps[pos + i] != s.charAt(i)) return false;
        }
        return true;
    }

    /** Blanks, line breaks and comments ({@code #} to the end of the line). */
    private void space() {
        while (pos < cps.length) {
            int c = cps[pos];
            if (c == '#') {
                while (pos < cps.length && cps[pos] != '\n') pos++;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private EngineException error(String what) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < Math.min(pos, cps.length); i++) {
            if (cps[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return EngineException.invalid(field, field + ": the grammar cannot be used: " + what
                + (rule == null ? "" : " (rule '" + rule + "'") + (rule == null ? " (" : ", ") + "line " + line
                + ", column " + col + "); see docs/requests.md, \"Structured outputs\", for the syntax");
    }
}
