package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Jinja2's tests where jinjava's differ: {@code defined} tells {@link Undefined} from {@code none} (jinjava treats
 * none as undefined), {@code sequence} and {@code iterable} include strings and dicts, {@code number} includes
 * booleans.
 */
final class PythonTests {
    private PythonTests() {
    }

    record Named(String name, Predicate<Object> test) implements ExpTest {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return test.test(var);
        }
    }

    static List<ExpTest> all() {
        return List.of(
                new Named("defined", v -> !(v instanceof Undefined)),
                new Named("undefined", v -> v instanceof Undefined),
                new Named("sequence", v -> v instanceof String || v instanceof List<?> || v instanceof Map<?, ?> || v instanceof Object[]),
                new Named("iterable", v -> v instanceof String || v instanceof Iterable<?> || v instanceof Map<?, ?> || v instanceof Object[]),
                new Named("number", v -> v instanceof Number || v instanceof Boolean));
    }
}
