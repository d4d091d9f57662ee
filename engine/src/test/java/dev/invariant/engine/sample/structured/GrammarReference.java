package dev.invariant.engine.sample.structured;

import dev.invariant.engine.sample.structured.Grammar.Alt;
import dev.invariant.engine.sample.structured.Grammar.Chars;
import dev.invariant.engine.sample.structured.Grammar.Expr;
import dev.invariant.engine.sample.structured.Grammar.Lit;
import dev.invariant.engine.sample.structured.Grammar.Ref;
import dev.invariant.engine.sample.structured.Grammar.Repeat;
import dev.invariant.engine.sample.structured.Grammar.Seq;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A recogniser written apart from {@link GrammarMachine}, the oracle of its tests: over code points, the parse tree
 * walked directly, each expression mapping the set of positions it may start at to the set it may end at. No stacks,
 * no UTF-8 and no depth limit, so it sees only grammars the parser accepts and nesting below the machine's limit.
 */
public final class GrammarReference {
    private final Grammar grammar;

    private GrammarReference(Grammar grammar) {
        this.grammar = grammar;
    }

    public static GrammarReference of(String grammarText) {
        return new GrammarReference(GbnfParser.parse("test", grammarText));
    }

    /** Whether all of {@code text} is in the grammar's language. */
    public boolean matches(String text) {
        int[] cps = text.codePoints().toArray();
        return ends(grammar.rules().get("root"), cps, Set.of(0)).contains(cps.length);
    }

    private Set<Integer> ends(Expr e, int[] s, Set<Integer> from) {
        if (from.isEmpty()) return from;
        return switch (e) {
            case Lit l -> {
                Set<Integer> out = new HashSet<>();
                for (int p : from) {
                    boolean ok = p + l.cps().length <= s.length;
                    for (int i = 0; ok && i < l.cps().length; i++) ok = s[p + i] == l.cps()[i];
                    if (ok) out.add(p + l.cps().length);
                }
                yield out;
            }
            case Chars c -> {
                Set<Integer> out = new HashSet<>();
                for (int p : from) if (p < s.length && in(c, s[p])) out.add(p + 1);
                yield out;
            }
            case Ref r -> ends(grammar.rules().get(r.name()), s, from);
            case Seq q -> {
                Set<Integer> at = from;
                for (Expr i : q.items()) at = ends(i, s, at);
                yield at;
            }
            case Alt a -> {
                Set<Integer> out = new HashSet<>();
                for (Expr o : a.options()) out.addAll(ends(o, s, from));
                yield out;
            }
            case Repeat r -> {
                Set<Integer> at = from;
                for (int i = 0; i < r.min(); i++) at = ends(r.body(), s, at);
                Set<Integer> out = new TreeSet<>(at);
                for (int i = r.min(); r.max() == Repeat.UNBOUNDED || i < r.max(); i++) {
                    Set<Integer> next = new HashSet<>(ends(r.body(), s, at));
                    if (r.max() == Repeat.UNBOUNDED) next.removeAll(out); // positions seen: the rest adds nothing
                    if (next.isEmpty()) break;
                    out.addAll(next);
                    at = next;
                }
                yield out;
            }
        };
    }

    private static boolean in(Chars c, int cp) {
        if (c.any()) return true;
        boolean hit = false;
        for (int i = 0; i < c.ranges().length; i += 2) hit |= cp >= c.ranges()[i] && cp <= c.ranges()[i + 1];
        return hit != c.negated();
    }
}
