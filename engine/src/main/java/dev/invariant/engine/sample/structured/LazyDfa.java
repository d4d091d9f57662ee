package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subset construction of an {@link Nfa}, run lazily: a DFA state (a set of NFA states) and its moves are made
 * the first time a walk needs them and kept. A set holds only states from which the accepting one is reachable (every
 * Thompson state is, but one whose byte set is empty), so an empty set is the one dead state. Thread-safe.
 */
final class LazyDfa implements ByteAutomaton {
    /** DFA states at most, per automaton: each holds a row of 256 moves (1 KiB), so this bounds one at 32 MiB. */
    static final int MAX_STATES = 32_768;
    private static final int UNKNOWN = -2;

    private final Nfa nfa;
    private final String field;
    private final Map<IntsKey, Integer> ids = new HashMap<>();
    private final List<int[]> sets = new ArrayList<>();
    private final List<int[]> moves = new ArrayList<>();
    private final List<Boolean> accepting = new ArrayList<>();
    private final int start;

    LazyDfa(Nfa nfa, String field) {
        this.nfa = nfa;
        this.field = field;
        this.start = intern(nfa.closure(new int[] {nfa.start}));
    }

    /** The automaton of a regex of the subset {@link RegexParser} reads. */
    static LazyDfa of(String field, String regex) {
        return new LazyDfa(Nfa.compile(RegexParser.parse(field, regex), field), field);
    }

    @Override
    public int start() {
        return start;
    }

    @Override
    public synchronized int step(int state, int b) {
        int[] row = moves.get(state);
        int next = row[b];
        if (next == UNKNOWN) {
            int[] set = nfa.closure(nfa.move(sets.get(state), b));
            next = set.length == 0 ? DEAD : intern(set);
            row[b] = next;
        }
        return next;
    }

    @Override
    public synchronized boolean accepting(int state) {
        return accepting.get(state);
    }

    private int intern(int[] set) {
        Integer id = ids.get(new IntsKey(set));
        if (id != null) return id;
        if (sets.size() >= MAX_STATES) {
            throw EngineException.invalid(field, field + ": the pattern needs more than " + MAX_STATES
                    + " automaton states: simplify it");
        }
        int fresh = sets.size();
        ids.put(new IntsKey(set), fresh);
        sets.add(set);
        int[] row = new int[256];
        Arrays.fill(row, UNKNOWN);
        moves.add(row);
        accepting.add(Arrays.binarySearch(set, nfa.accept) >= 0);
        return fresh;
    }
}
