package dev.invariant.engine.sample.structured;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A grammar as {@link GbnfParser} reads it: named rules over Unicode code points, {@code root} the start. Printed
 * back ({@link #toString}) it is the canonical spec: one rule a line in the order defined, {@code name ::= expr},
 * one space around {@code ::=} and {@code |} and between items, parentheses only where the structure needs them,
 * quantifiers in their shortest form, literals and classes with the fixed escapes of {@link #quote}.
 *
 * @param rules the rules by name, in the order the text defines them
 */
record Grammar(Map<String, Expr> rules) {
    /** A grammar expression; {@code Seq} and {@code Alt} hold at least two items when the parser makes them. */
    sealed interface Expr permits Lit, Chars, Ref, Seq, Alt, Repeat {
    }

    /** A string literal: its code points in order (none: the empty string). */
    record Lit(int[] cps) implements Expr {
    }

    /**
     * A character class as written: {@code ranges} the inclusive (lo, hi) pairs in order, {@code negated} for
     * {@code [^...]}; {@code any} for {@code .}.
     */
    record Chars(int[] ranges, boolean negated, boolean any) implements Expr {
    }

    record Ref(String name) implements Expr {
    }

    record Seq(List<Expr> items) implements Expr {
    }

    record Alt(List<Expr> options) implements Expr {
    }

    /** {@code body} at least {@code min} times and at most {@code max} ({@link #UNBOUNDED}: no limit). */
    record Repeat(Expr body, int min, int max) implements Expr {
        static final int UNBOUNDED = -1;
    }

    @Override
    public String toString() {
        return rules.entrySet().stream().map(e -> e.getKey() + " ::= " + print(e.getValue(), 0))
                .collect(Collectors.joining("\n"));
    }

    /** {@code e} inside a context of binding {@code ctx}: 0 an alternative, 1 a sequence item, 2 a repeated body. */
    private static String print(Expr e, int ctx) {
        return switch (e) {
            case Alt a -> wrap(a.options.stream().map(o -> print(o, 1)).collect(Collectors.joining(" | ")), ctx > 0);
            case Seq s -> s.items.isEmpty() ? "\"\""
                    : wrap(s.items.stream().map(i -> print(i, 2)).collect(Collectors.joining(" ")), ctx > 1);
            case Repeat r -> print(r.body, 2) + quantifier(r.min, r.max);
            case Ref r -> r.name;
            case Lit l -> quote(l.cps);
            case Chars c -> chars(c);
        };
    }

    private static String wrap(String s, boolean parens) {
        return parens ? "(" + s + ")" : s;
    }

    private static String quantifier(int min, int max) {
        if (max == Repeat.UNBOUNDED) return min == 0 ? "*" : min == 1 ? "+" : "{" + min + ",}";
        if (min == 0 && max == 1) return "?";
        return min == max ? "{" + min + "}" : "{" + min + "," + max + "}";
    }

    private static String quote(int[] cps) {
        StringBuilder b = new StringBuilder("\"");
        for (int cp : cps) b.append(escape(cp, "\"\\"));
        return b.append('"').toString();
    }

    private static String chars(Chars c) {
        if (c.any) return ".";
        StringBuilder b = new StringBuilder(c.negated ? "[^" : "[");
        for (int i = 0; i < c.ranges.length; i += 2) {
            b.append(escape(c.ranges[i], "]\\-^["));
            if (c.ranges[i + 1] != c.ranges[i]) b.append('-').append(escape(c.ranges[i + 1], "]\\-^["));
        }
        return b.append(']').toString();
    }

    /** A code point as the canonical text writes it: {@code \n \t \r}, {@code \xHH} for other controls. */
    private static String escape(int cp, String special) {
        return switch (cp) {
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\r' -> "\\r";
            default -> {
                if (cp < 0x20 || cp == 0x7F) yield String.format("\\x%02X", cp);
                if (special.indexOf(cp) >= 0) yield "\\" + (char) cp;
                yield Character.toString(cp);
            }
        };
    }
}
