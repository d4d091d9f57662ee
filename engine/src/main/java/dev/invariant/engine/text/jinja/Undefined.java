package dev.invariant.engine.text.jinja;

/**
 * Jinja2's undefined value (a missing variable or key), kept apart from {@code none}: it prints as nothing, is
 * false, is not {@code none}, and {@code default} replaces it. Jinjava uses null for both.
 */
public final class Undefined {
    public static final Undefined INSTANCE = new Undefined();

    private Undefined() {
    }

    @Override
    public String toString() {
        return "";
    }
}
