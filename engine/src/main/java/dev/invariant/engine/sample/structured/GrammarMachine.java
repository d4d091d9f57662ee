package dev.invariant.engine.sample.structured;

import dev.invariant.engine.EngineException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A grammar as a nondeterministic pushdown automaton over UTF-8 bytes. A state is the set of parser stacks still
 * alive (each a list of positions in the {@link GrammarProgram}, the top a character class to read next), whether
 * some stack has completed {@code root}, and the character read so far when it is partly read (all stacks read the
 * same bytes, so they share it). States are interned to ints the first time they are reached and their moves kept.
 * A stack deeper than {@value #MAX_DEPTH} is dropped, so nesting past it is a dead end, as a regex's is. Thread-safe.
 */
final class GrammarMachine implements ByteAutomaton {
    /** Stack depth at most (nesting of rules still open), as JSON objects nest a bounded depth. */
    static final int MAX_DEPTH = 128;
    /** Stacks one state holds at most: an ambiguous grammar can multiply them. */
    static final int MAX_STACKS = 4096;
    /** States per grammar, each a row of 256 moves (1 KiB), as for a regex's DFA. */
    static final int MAX_STATES = LazyDfa.MAX_STATES;
    private static final int UNKNOWN = -2;

    /**
     * @param value the bits of a partly read character ({@code left > 0})
     * @param left  its continuation bytes still due, 0 between characters
     * @param length its encoded length in bytes
     */
    private record State(int value, int left, int length, boolean done, int[][] stacks) {
    }

    private final GrammarProgram program;
    private final String field;
    private final Map<IntsKey, Integer> ids = new HashMap<>();
    private final List<State> states = new ArrayList<>();
    private final List<int[]> moves = new ArrayList<>();
    private final int start;

    private GrammarMachine(String field, GrammarProgram program) {
        this.field = field;
        this.program = program;
        TreeSet<int[]> stacks = new TreeSet<>(Arrays::compare);
        boolean done = false;
        for (int s : program.starts[program.root]) done |= expand(new int[] {s}, stacks);
        this.start = intern(new State(0, 0, 0, done, stacks.toArray(int[][]::new)));
    }

    /** The automaton of a grammar in the GBNF / EBNF form {@link GbnfParser} reads. */
    static GrammarMachine of(String field, String grammar) {
        return new GrammarMachine(field, GrammarProgram.of(field, GbnfParser.parse(field, grammar)));
    }

    @Override
    public int start() {
        return start;
    }

    @Override
    public synchronized boolean accepting(int state) {
        State s = states.get(state);
        return s.done && s.left == 0;
    }

    @Override
    public synchronized int step(int state, int b) {
        int[] row = moves.get(state);
        if (row[b] == UNKNOWN) row[b] = next(states.get(state), b);
        return row[b];
    }

    private int next(State s, int b) {
        int value;
        int left;
        int length;
        if (s.left == 0) {
            if (b < 0x80) {
                value = b;
                left = 0;
                length = 1;
            } else if (b >= 0xC2 && b <= 0xF4) {
                length = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
                left = length - 1;
                value = b & (0x7F >> length);
            } else {
                return DEAD;
            }
        } else {
            if ((b & 0xC0) != 0x80) return DEAD;
            value = s.value << 6 | b & 0x3F;
            left = s.left - 1;
            length = s.length;
        }
        // the code points this character can still be, its encoding's own range (no overlong form)
        long lo = (long) value << 6 * left;
        long hi = lo | (1L << 6 * left) - 1;
        lo = Math.max(lo, length == 1 ? 0 : length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000);
        hi = Math.min(hi, length == 1 ? 0x7F : length == 2 ? 0x7FF : length == 3 ? 0xFFFF : 0x10FFFF);
        if (lo > hi) return DEAD;
        TreeSet<int[]> out = new TreeSet<>(Arrays::compare);
        boolean done = false;
        for (int[] stack : s.stacks) {
            int[] cls = program.classes[program.elems[stack[stack.length - 1]] >> 1];
            if (!overlaps(cls, (int) lo, (int) hi)) continue;
            if (left > 0) {
                out.add(stack);
            } else {
                done |= advance(stack, out);
            }
            if (out.size() > MAX_STACKS) throw tooMany("parser stacks in one state", MAX_STACKS);
        }
        if (out.isEmpty() && !done) return DEAD;
        return intern(new State(left > 0 ? value : 0, left, left > 0 ? length : 0, done, out.toArray(int[][]::new)));
    }

    /** The stacks after the top's character is read; true when one completes root. */
    private boolean advance(int[] stack, TreeSet<int[]> out) {
        int top = stack.length - 1;
        int p = stack[top] + 1;
        if (program.elems[p] == GrammarProgram.END) return expand(Arrays.copyOf(stack, top), out);
        int[] moved = stack.clone();
        moved[top] = p;
        return expand(moved, out);
    }

    /**
     * Adds the stacks {@code stack} stands for once every rule reference on top is entered, each with a class on
     * top; true when one of them is empty (root is complete). A reference last in its alternative is not returned
     * to, so a right-recursive rule (a repeat) keeps its stack flat.
     */
    private boolean expand(int[] stack, TreeSet<int[]> out) {
        if (stack.length == 0) return true;
        int top = stack.length - 1;
        int e = program.elems[stack[top]];
        if (e == GrammarProgram.END) return expand(Arrays.copyOf(stack, top), out);
        if ((e & 1) == 0) {
            if (stack.length <= MAX_DEPTH) out.add(stack);
            if (out.size() > MAX_STACKS) throw tooMany("parser stacks in one state", MAX_STACKS);
            return false;
        }
        // the stack to come back to: the position after the reference, or none when the reference ends its alternative
        int[] back;
        if (program.elems[stack[top] + 1] == GrammarProgram.END) {
            back = Arrays.copyOf(stack, top);
        } else {
            back = stack.clone();
            back[top]++;
        }
        boolean done = false;
        for (int s : program.starts[e >> 1]) {
            int[] entered = Arrays.copyOf(back, back.length + 1);
            entered[back.length] = s;
            done |= expand(entered, out);
        }
        return done;
    }

    private static boolean overlaps(int[] ranges, int lo, int hi) {
        // the first range whose end is at or after lo
        int a = 0;
        int b = ranges.length / 2;
        while (a < b) {
            int m = (a + b) >>> 1;
            if (ranges[2 * m + 1] < lo) a = m + 1;
            else b = m;
        }
        return a < ranges.length / 2 && ranges[2 * a] <= hi;
    }

    private int intern(State s) {
        int size = 4;
        for (int[] st : s.stacks) size += st.length + 1;
        int[] key = new int[size];
        key[0] = s.value;
        key[1] = s.left;
        key[2] = s.length;
        key[3] = s.done ? 1 : 0;
        int i = 4;
        for (int[] st : s.stacks) {
            key[i++] = st.length;
            System.arraycopy(st, 0, key, i, st.length);
            i += st.length;
        }
        IntsKey k = new IntsKey(key);
        Integer id = ids.get(k);
        if (id != null) return id;
        if (states.size() >= MAX_STATES) throw tooMany("automaton states", MAX_STATES);
        ids.put(k, states.size());
        states.add(s);
        int[] row = new int[256];
        Arrays.fill(row, UNKNOWN);
        moves.add(row);
        return states.size() - 1;
    }

    private EngineException tooMany(String what, int limit) {
        return EngineException.invalid(field, field + ": the grammar needs more than " + limit + " " + what
                + ": simplify it (fewer ambiguous alternatives)");
    }
}
