package dev.invariant.engine.sample.structured;

/**
 * A deterministic automaton over UTF-8 bytes whose states are small ints, discovered as they are reached. Its
 * answers depend on the state and the byte only, so any walk of the same bytes reaches the same state.
 */
interface ByteAutomaton {
    /** The state before any byte. */
    int DEAD = -1;

    int start();

    /** The state after byte {@code b} (0..255), or {@link #DEAD} when no output can continue with it. */
    int step(int state, int b);

    /** Whether the bytes that led to {@code state} are a whole output the constraint accepts. */
    boolean accepting(int state);

    /** The state after {@code bytes[from..]}, or {@link #DEAD}. */
    default int walk(int state, byte[] bytes, int from) {
        for (int i = from; i < bytes.length && state != DEAD; i++) state = step(state, bytes[i] & 0xFF);
        return state;
    }
}
