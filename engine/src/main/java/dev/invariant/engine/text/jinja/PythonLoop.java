package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.util.ForLoop;
import java.util.List;

/** Jinjava's loop object with Jinja2's {@code loop.previtem} and {@code loop.nextitem}, which need the items. */
final class PythonLoop extends ForLoop {
    private final List<?> items;

    PythonLoop(List<?> items) {
        super(items.iterator(), items.size());
        this.items = items;
    }

    /** previtem or nextitem (undefined at the ends), or null for any other attribute. */
    Object item(String name) {
        int at = switch (name) {
            case "previtem" -> getIndex0() - 1;
            case "nextitem" -> getIndex0() + 1;
            default -> Integer.MIN_VALUE;
        };
        if (at == Integer.MIN_VALUE) return null;
        return at >= 0 && at < items.size() ? items.get(at) : Undefined.INSTANCE;
    }
}
