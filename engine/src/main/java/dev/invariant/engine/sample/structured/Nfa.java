package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/** Thompson's construction: a {@link Node} as a non-deterministic automaton over bytes with ε-moves. */
final class Nfa {
    /** States at most: bounds what a request's pattern may cost to compile and to determinise. */
    static final int MAX_STATES = 200_000;

    /** Per state: its byte moves as (bytes, target) pairs. */
    final List<List<Object[]>> moves = new ArrayList<>();
    /** Per state: its ε-moves. */
    final List<int[]> eps = new ArrayList<>();
    final int start;
    final int accept;
    private final String field;

    private Nfa(Node root, String field) {
        this.field = field;
        this.start = newState();
        this.accept = build(root, start);
    }

    static Nfa compile(Node root, String field) {
        return new Nfa(root, field);
    }

    int size() {
        return eps.size();
    }

    private int newState() {
        if (eps.size() >= MAX_STATES) {
            throw EngineException.invalid(field, field + ": the pattern is too large (over " + MAX_STATES
                    + " automaton states): use smaller repeat counts or fewer alternatives");
        }
        moves.add(new ArrayList<>(1));
        eps.add(new int[0]);
        return eps.size() - 1;
    }

    private void epsilon(int from, int to) {
        int[] old = eps.get(from);
        int[] grown = java.util.Arrays.copyOf(old, old.length + 1);
        grown[old.length] = to;
        eps.set(from, grown);
    }

    /** Adds the fragment for {@code n} starting at state {@code in}; returns its end state. */
    private int build(Node n, int in) {
        return switch (n) {
            case Node.Bytes b -> {
                int t = newState();
                moves.get(in).add(new Object[] {b.set(), t});
                yield t;
            }
            case Node.Seq s -> {
                int at = in;
                for (Node part : s.parts()) at = build(part, at);
                yield at;
            }
            case Node.Alt a -> {
                int out = newState();
                for (Node option : a.options()) {
                    int s = newState();
                    epsilon(in, s);
                    epsilon(build(option, s), out);
                }
                yield out;
            }
            case Node.Repeat r -> {
                int at = in;
                for (int i = 0; i < r.min(); i++) at = build(r.node(), at);
                if (r.max() == Node.Repeat.UNBOUNDED) {
                    int loop = newState();
                    epsilon(at, loop);
                    epsilon(build(r.node(), loop), loop);
                    yield loop;
                }
                for (int i = r.min(); i < r.max(); i++) {
                    int out = newState();
                    int s = newState();
                    epsilon(at, out);
                    epsilon(at, s);
                    epsilon(build(r.node(), s), out);
                    at = out;
                }
                yield at;
            }
        };
    }

    /** The states reachable from {@code states} by ε-moves, sorted. */
    int[] closure(int[] states) {
        BitSet seen = new BitSet(size());
        int[] stack = new int[Math.max(16, states.length)];
        int top = 0;
        for (int s : states) {
            if (!seen.get(s)) {
                seen.set(s);
                if (top == stack.length) stack = java.util.Arrays.copyOf(stack, top * 2);
                stack[top++] = s;
            }
        }
        while (top > 0) {
            int s = stack[--top];
            for (int t : eps.get(s)) {
                if (seen.get(t)) continue;
                seen.set(t);
                if (top == stack.length) stack = java.util.Arrays.copyOf(stack, top * 2);
                stack[top++] = t;
            }
        }
        return seen.stream().toArray();
    }

    /** The states one byte {@code b} leads to from {@code states}, before closure. */
    int[] move(int[] states, int b) {
        BitSet out = new BitSet();
        for (int s : states) {
            for (Object[] m : moves.get(s)) if (((BitSet) m[0]).get(b)) out.set((Integer) m[1]);
        }
        return out.stream().toArray();
    }
}
