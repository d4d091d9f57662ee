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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Grammar} flattened for {@link GrammarMachine}: every rule a list of alternatives, each a run of elements
 * (a character class or a rule reference) ended by {@link #END}, all in one array so that a parser position is an
 * int. Groups and repeats become rules of their own ({@code x*}: {@code r ::= x r | ""}), which keeps a repeat's
 * stack flat. Refuses what the machine cannot run: no root, undefined rules, and a rule that can reach itself
 * without reading a character (left recursion), whose parser stacks would grow without reading anything.
 */
final class GrammarProgram {
    static final int END = -1;
    /** Elements at most, after repeats are expanded: this bounds the program's memory. */
    static final int MAX_ELEMENTS = 200_000;

    /** Elements: {@code 2c} the class {@code c}, {@code 2r + 1} a reference to rule {@code r}, or {@link #END}. */
    final int[] elems;
    /** Per rule, the positions its alternatives start at. */
    final int[][] starts;
    /** Per class, sorted disjoint inclusive (lo, hi) pairs of code points, surrogates left out. */
    final int[][] classes;
    final int root;

    private final String field;
    private final Map<String, Integer> ids = new HashMap<>();
    /** Per rule, the grammar's rule it was written in (a group or repeat is part of one). */
    private final List<String> owners = new ArrayList<>();
    private final List<List<List<Integer>>> rules = new ArrayList<>();
    private final Map<String, Integer> classIds = new HashMap<>();
    private final List<int[]> classList = new ArrayList<>();
    private int size;

    private GrammarProgram(String field, Grammar g) {
        this.field = field;
        if (!g.rules().containsKey("root")) throw error(null, "there is no rule 'root', the start rule");
        for (String name : g.rules().keySet()) newRule(name);
        g.rules().forEach((name, e) -> {
            for (Expr option : e instanceof Alt a ? a.options() : List.of(e)) {
                List<Integer> alt = new ArrayList<>();
                emit(name, option, alt);
                rules.get(ids.get(name)).add(alt);
            }
        });
        root = ids.get("root");
        List<Integer> flat = new ArrayList<>();
        starts = new int[rules.size()][];
        for (int r = 0; r < rules.size(); r++) {
            starts[r] = new int[rules.get(r).size()];
            for (int a = 0; a < starts[r].length; a++) {
                starts[r][a] = flat.size();
                flat.addAll(rules.get(r).get(a));
                flat.add(END);
            }
        }
        elems = flat.stream().mapToInt(Integer::intValue).toArray();
        classes = classList.toArray(int[][]::new);
        checkLeftRecursion();
    }

    static GrammarProgram of(String field, Grammar g) {
        return new GrammarProgram(field, g);
    }

    private int newRule(String owner) {
        ids.putIfAbsent(owner, rules.size());
        owners.add(owner);
        rules.add(new ArrayList<>());
        return rules.size() - 1;
    }

    /** Appends the elements of {@code e}, written in rule {@code owner}, to {@code out}. */
    private void emit(String owner, Expr e, List<Integer> out) {
        switch (e) {
            case Lit l -> {
                for (int cp : l.cps()) add(out, 2 * classId(new int[] {cp, cp}));
            }
            case Chars c -> {
                int[] ranges = ranges(c);
                if (ranges.length == 0) throw error(owner, "a character class holds no character");
                add(out, 2 * classId(ranges));
            }
            case Ref r -> {
                Integer id = ids.get(r.name());
                if (id == null) throw error(owner, "the rule '" + r.name() + "' is not defined");
                add(out, 2 * id + 1);
            }
            case Seq s -> s.items().forEach(i -> emit(owner, i, out));
            case Alt a -> {
                int r = newRule(owner);
                for (Expr option : a.options()) {
                    List<Integer> alt = new ArrayList<>();
                    emit(owner, option, alt);
                    rules.get(r).add(alt);
                }
                add(out, 2 * r + 1);
            }
            case Repeat rep -> repeat(owner, rep, out);
        }
    }

    private void repeat(String owner, Repeat rep, List<Integer> out) {
        List<Integer> body = new ArrayList<>();
        emit(owner, rep.body(), body);
        if (body.size() > 1) { // one element to copy: a rule of its own
            int r = newRule(owner);
            rules.get(r).add(body);
            body = List.of(2 * r + 1);
        }
        for (int i = 0; i < rep.min(); i++) addAll(out, body);
        if (rep.max() == Repeat.UNBOUNDED) {
            int r = newRule(owner);
            List<Integer> more = new ArrayList<>();
            addAll(more, body);
            add(more, 2 * r + 1);
            rules.get(r).add(more);
            rules.get(r).add(new ArrayList<>());
            add(out, 2 * r + 1);
        } else if (rep.max() > rep.min()) {
            // optional copies nested: o_k ::= x o_(k-1) | "", so that at most max - min more are read
            int inner = -1;
            for (int k = 0; k < rep.max() - rep.min(); k++) {
                int r = newRule(owner);
                List<Integer> more = new ArrayList<>();
                addAll(more, body);
                if (inner >= 0) add(more, 2 * inner + 1);
                rules.get(r).add(more);
                rules.get(r).add(new ArrayList<>());
                inner = r;
            }
            add(out, 2 * inner + 1);
        }
    }

    private void add(List<Integer> out, int element) {
        out.add(element);
        if (++size > MAX_ELEMENTS) {
            throw error(null, "the grammar expands to more than " + MAX_ELEMENTS + " elements: lower its repeat counts");
        }
    }

    private void addAll(List<Integer> out, List<Integer> elements) {
        for (int e : elements) add(out, e);
    }

    private int classId(int[] ranges) {
        String key = Arrays.toString(ranges);
        Integer id = classIds.get(key);
        if (id == null) {
            id = classList.size();
            classIds.put(key, id);
            classList.add(ranges);
        }
        return id;
    }

    /** A class's code points as sorted disjoint ranges, negation applied, surrogates (never a character) left out. */
    private static int[] ranges(Chars c) {
        List<int[]> in = new ArrayList<>();
        if (c.any()) {
            in.add(new int[] {0, 0x10FFFF});
        } else {
            for (int i = 0; i < c.ranges().length; i += 2) in.add(new int[] {c.ranges()[i], c.ranges()[i + 1]});
        }
        in.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        for (int[] r : in) {
            if (!merged.isEmpty() && r[0] <= merged.getLast()[1] + 1) {
                merged.getLast()[1] = Math.max(merged.getLast()[1], r[1]);
            } else {
                merged.add(r.clone());
            }
        }
        if (c.negated()) {
            List<int[]> out = new ArrayList<>();
            int next = 0;
            for (int[] r : merged) {
                if (r[0] > next) out.add(new int[] {next, r[0] - 1});
                next = r[1] + 1;
            }
            if (next <= 0x10FFFF) out.add(new int[] {next, 0x10FFFF});
            merged = out;
        }
        List<Integer> flat = new ArrayList<>();
        for (int[] r : merged) {
            for (int[] piece : new int[][] {{r[0], Math.min(r[1], 0xD7FF)}, {Math.max(r[0], 0xE000), r[1]}}) {
                if (piece[0] <= piece[1]) {
                    flat.add(piece[0]);
                    flat.add(piece[1]);
                }
            }
        }
        return flat.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Refuses a rule that reaches itself through references each preceded only by what can match nothing: its
     * stacks would grow without a character read.
     */
    private void checkLeftRecursion() {
        int n = starts.length;
        boolean[] nullable = new boolean[n];
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int r = 0; r < n; r++) {
                if (nullable[r]) continue;
                for (int s : starts[r]) {
                    int p = s;
                    while (elems[p] != END && (elems[p] & 1) == 1 && nullable[elems[p] >> 1]) p++;
                    if (elems[p] == END) {
                        nullable[r] = changed = true;
                        break;
                    }
                }
            }
        }
        int[] color = new int[n]; // 0 unseen, 1 on the path, 2 done
        for (int r = 0; r < n; r++) if (color[r] == 0) visit(r, nullable, color, new ArrayList<>());
    }

    private void visit(int r, boolean[] nullable, int[] color, List<Integer> path) {
        color[r] = 1;
        path.add(r);
        for (int s : starts[r]) {
            for (int p = s; elems[p] != END && (elems[p] & 1) == 1; p++) {
                int next = elems[p] >> 1;
                if (color[next] == 1) {
                    List<String> names = new ArrayList<>();
                    for (int q : path.subList(path.indexOf(next), path.size())) {
                        if (names.isEmpty() || !names.getLast().equals(owners.get(q))) names.add(owners.get(q));
                    }
                    throw error(owners.get(next), "it can reach itself without reading a character (through "
                            + String.join(" -> ", names) + " -> " + owners.get(next) + "): left recursion, or a"
                            + " repeat of something that can be empty; rewrite it so that a character comes first");
                }
                if (color[next] == 0) visit(next, nullable, color, path);
                if (!nullable[next]) break;
            }
        }
        path.removeLast();
        color[r] = 2;
    }

    private EngineException error(String rule, String what) {
        return EngineException.invalid(field, field + ": the grammar cannot be used: " + (rule == null ? ""
                : "rule '" + rule + "': ") + what + "; see docs/requests.md, \"Structured outputs\"");
    }
}
