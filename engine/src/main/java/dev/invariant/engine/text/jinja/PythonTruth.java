package dev.invariant.engine.text.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;

/**
 * Python's truth value. Jinjava's own also counts the string "false" as false, so a user who writes "false" had
 * their message dropped by {@code {% if message.content %}}.
 */
final class PythonTruth {
    private PythonTruth() {
    }

    static boolean of(Object v) {
        return switch (v) {
            case null -> false;
            case Undefined u -> false;
            case Boolean b -> b;
            case BigDecimal d -> d.signum() != 0;
            case BigInteger i -> i.signum() != 0;
            case Number n -> n.doubleValue() != 0;
            case CharSequence s -> !s.isEmpty();
            case Collection<?> c -> !c.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Object[] a -> a.length > 0;
            default -> true;
        };
    }
}
