package dev.invariant.engine.sample.structured;

import java.util.Arrays;

/** An int array as a map key, compared by content: a DFA state's NFA-state set, an output's token ids. */
record IntsKey(int[] values) {
    @Override
    public boolean equals(Object o) {
        return o instanceof IntsKey other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return Arrays.toString(values);
    }
}
