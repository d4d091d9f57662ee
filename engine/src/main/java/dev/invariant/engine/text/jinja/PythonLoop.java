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

    /** What the last {@link #changed} call saw; none at first, so the first call is true. */
    private List<Object> last;

    /** Jinja2's loop.changed(*values): whether the values differ from the last call's (true on the first call). */
    public boolean changed(Object value) {
        return changedTo(List.of(PythonStr.str(value)));
    }

    public boolean changed(Object a, Object b) {
        return changedTo(List.of(PythonStr.str(a), PythonStr.str(b)));
    }

    private boolean changedTo(List<Object> values) {
        boolean changed = !values.equals(last);
        last = values;
        return changed;
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
