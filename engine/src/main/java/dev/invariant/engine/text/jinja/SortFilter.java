package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jinja2's {@code sort(reverse=false, case_sensitive=false, attribute=none)} (and max/min): a stable sort, strings compared
 * lower-cased unless case_sensitive, by one or more comma-separated (dotted) attributes. Jinjava's filter ignored
 * keyword arguments, so {@code sort(attribute='role')} left the list as it was; {@code dictsort} likewise.
 */
final class SortFilter {
    private SortFilter() {
    }

    static Object sort(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        boolean reverse = PythonTruth.of(PythonFilters.arg(args, kwargs, 0, "reverse", false));
        List<Object> sorted = new ArrayList<>(PythonForTag.items(value));
        Comparator<Object> order = order(PythonFilters.arg(args, kwargs, 1, "case_sensitive", false),
                PythonFilters.arg(args, kwargs, 2, "attribute", null), interpreter);
        sorted.sort(reverse ? order.reversed() : order);
        return sorted;
    }

    /**
     * Jinja2's {@code dictsort(case_sensitive=false, by='key', reverse=false)}: a mapping's (key, value) pairs in order of
     * their keys or values. Jinjava's ignored the keyword arguments.
     */
    static Object dictsort(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        boolean caseSensitive = PythonTruth.of(PythonFilters.arg(args, kwargs, 0, "case_sensitive", false));
        String by = String.valueOf(PythonFilters.arg(args, kwargs, 1, "by", "key"));
        boolean reverse = PythonTruth.of(PythonFilters.arg(args, kwargs, 2, "reverse", false));
        if (!by.equals("key") && !by.equals("value")) throw new IllegalArgumentException("You can only sort by either 'key' or 'value'");
        int at = by.equals("key") ? 0 : 1;
        List<Object> pairs = PythonFilters.items(value);
        Comparator<Object> order = (a, b) -> compare(folded(((List<?>) a).get(at), caseSensitive), folded(((List<?>) b).get(at), caseSensitive));
        pairs.sort(reverse ? order.reversed() : order);
        return pairs;
    }

    private static Object folded(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    /** Jinja2's {@code max(case_sensitive=false, attribute=none)} and {@code min}: the first extreme item, undefined if none. */
    static Object extreme(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter, boolean max) {
        Comparator<Object> order = order(PythonFilters.arg(args, kwargs, 0, "case_sensitive", false),
                PythonFilters.arg(args, kwargs, 1, "attribute", null), interpreter);
        Object best = Undefined.INSTANCE;
        for (Object item : PythonForTag.items(value)) {
            if (best == Undefined.INSTANCE || order.compare(item, best) * (max ? 1 : -1) > 0) best = item;
        }
        return best;
    }

    private static Comparator<Object> order(Object caseSensitiveArg, Object attribute, JinjavaInterpreter interpreter) {
        boolean caseSensitive = PythonTruth.of(caseSensitiveArg);
        List<String> attributes = attribute == null ? List.of() : Arrays.stream(String.valueOf(attribute).split(",")).map(String::trim).toList();
        return (a, b) -> {
            for (String path : attributes.isEmpty() ? List.of("") : attributes) {
                int c = compare(key(a, path, caseSensitive, interpreter), key(b, path, caseSensitive, interpreter));
                if (c != 0) return c;
            }
            return 0;
        };
    }

    private static Object key(Object item, String path, boolean caseSensitive, JinjavaInterpreter interpreter) {
        Object v = PythonFilters.attribute(item, path, interpreter);
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    /** Python's ordering of two values of one kind: numbers (and booleans), strings by code point, lists item by item. */
    static int compare(Object a, Object b) {
        if (a instanceof String x && b instanceof String y) return Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray());
        if (number(a) != null && number(b) != null) return number(a).compareTo(number(b));
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                int c = compare(x.get(i), y.get(i));
                if (c != 0) return c;
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new IllegalArgumentException("'<' not supported between instances of '" + PythonStr.typeName(a) + "' and '"
                + PythonStr.typeName(b) + "'");
    }

    private static BigDecimal number(Object v) {
        if (v instanceof Boolean b) return b ? BigDecimal.ONE : BigDecimal.ZERO;
        if (v instanceof Number n) return new BigDecimal(n.toString());
        return null;
    }
}
