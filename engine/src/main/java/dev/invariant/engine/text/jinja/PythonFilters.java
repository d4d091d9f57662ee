package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.filter.FloatFilter;
import com.hubspot.jinjava.lib.filter.IntFilter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Jinja2's filters where jinjava's differ or are missing: {@code string}/{@code join} write Python's str(),
 * {@code length} counts code points, {@code trim} strips Python's whitespace (not Java's control characters),
 * {@code default} replaces only an undefined value unless asked otherwise, {@code first}/{@code last}/{@code list}/
 * {@code reverse} take strings as sequences, {@code unique} ignores case, {@code indent} and {@code round} take
 * Jinja2's arguments, {@code format} is Python's %, {@code int}/{@code float} make True 1, {@code replace} is str.replace, and {@code items}, {@code max}, {@code min}
 * exist.
 */
final class PythonFilters {
    private PythonFilters() {
    }

    /** A filter's body: the value, positional and keyword arguments. */
    interface Body {
        Object apply(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter);
    }

    record Named(String name, Body body) implements AdvancedFilter {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return body.apply(var, args, kwargs, interpreter);
        }
    }

    static List<Filter> all() {
        Body length = (v, a, k, i) -> length(v);
        Body dflt = (v, a, k, i) -> fallback(v, arg(a, k, 0, "default_value", ""), PythonTruth.of(arg(a, k, 1, "boolean", false)));
        return List.of(
                new Named("string", (v, a, k, i) -> v instanceof Undefined ? "" : PythonStr.str(v)),
                new Named("join", (v, a, k, i) -> join(v, String.valueOf(arg(a, k, 0, "d", "")), arg(a, k, 1, "attribute", null), i)),
                new Named("length", length),
                new Named("count", length),
                new Named("trim", (v, a, k, i) -> PythonStringMethods.strip(text(v), (String) arg(a, k, 0, "chars", null), true, true)),
                new Named("default", dflt),
                new Named("d", dflt),
                new Named("items", (v, a, k, i) -> items(v)),
                new Named("format", (v, a, k, i) -> PercentFormat.format(text(v), a, k.isEmpty() ? null : k)),
                new Named("first", (v, a, k, i) -> PythonForTag.items(v).stream().findFirst().orElse(Undefined.INSTANCE)),
                new Named("last", (v, a, k, i) -> PythonForTag.items(v).reversed().stream().findFirst().orElse(Undefined.INSTANCE)),
                new Named("list", (v, a, k, i) -> PythonForTag.items(v)),
                new Named("reverse", (v, a, k, i) -> v instanceof String s ? new StringBuilder(s).reverse().toString()
                        : PythonForTag.items(v).reversed()),
                new Named("unique", PythonFilters::unique),
                new Named("indent", PythonFilters::indent),
                new Named("round", PythonFilters::round),
                new Named("sort", SortFilter::sort),
                new Named("dictsort", SortFilter::dictsort),
                new Named("map", PythonFilters::map),
                new Named("max", (v, a, k, i) -> SortFilter.extreme(v, a, k, i, true)),
                new Named("min", (v, a, k, i) -> SortFilter.extreme(v, a, k, i, false)),
                new Named("tojson", PythonJson::filter),
                new Named("replace", (v, a, k, i) -> PythonStringMethods.replace(text(v),
                        String.valueOf(arg(a, k, 0, "old", "")), String.valueOf(arg(a, k, 1, "new", "")),
                        ((Number) arg(a, k, 2, "count", -1)).intValue())),
                new Named("batch", PythonFilters::batch),
                new Named("slice", PythonFilters::slice),
                new Named("truncate", PythonFilters::truncate),
                new Named("int", PythonFilters::toInt),
                new Named("float", PythonFilters::toFloat));
    }

    /** batch(n, fill_with=None): lists of n items; the last padded with fill_with only when one is given. */
    private static Object batch(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        int n = ((Number) arg(args, kwargs, 0, "linecount", 1)).intValue();
        Object fill = arg(args, kwargs, 1, "fill_with", null);
        List<List<Object>> out = new ArrayList<>();
        for (Object item : PythonForTag.items(v)) {
            if (out.isEmpty() || out.getLast().size() == n) out.add(new ArrayList<>());
            out.getLast().add(item);
        }
        if (fill != null && !out.isEmpty()) while (out.getLast().size() < n) out.getLast().add(fill);
        return out;
    }

    /** slice(n, fill_with=None): n lists, the first (length % n) of them one item longer, the others padded if asked. */
    private static Object slice(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        List<?> items = PythonForTag.items(v);
        int slices = ((Number) arg(args, kwargs, 0, "slices", 1)).intValue();
        Object fill = arg(args, kwargs, 1, "fill_with", null);
        int per = items.size() / slices;
        int extra = items.size() % slices;
        List<List<Object>> out = new ArrayList<>();
        for (int i = 0, start = 0; i < slices; i++) {
            int end = start + per + (i < extra ? 1 : 0);
            List<Object> part = new ArrayList<>(items.subList(start, end));
            if (fill != null && i >= extra) part.add(fill);
            out.add(part);
            start = end;
        }
        return out;
    }

    /**
     * truncate(length=255, killwords=False, end='...', leeway=5): unchanged within length + leeway code points; else
     * the first length - len(end), back to the last space unless killwords, then end.
     */
    private static Object truncate(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        String s = text(v);
        int length = ((Number) arg(args, kwargs, 0, "length", 255)).intValue();
        boolean killwords = PythonTruth.of(arg(args, kwargs, 1, "killwords", false));
        String end = String.valueOf(arg(args, kwargs, 2, "end", "..."));
        int leeway = ((Number) arg(args, kwargs, 3, "leeway", 5)).intValue();
        int size = s.codePointCount(0, s.length());
        if (size <= length + leeway) return s;
        int keep = Math.max(0, length - end.codePointCount(0, end.length()));
        String head = s.substring(0, s.offsetByCodePoints(0, Math.min(keep, size)));
        if (!killwords && head.lastIndexOf(' ') >= 0) head = head.substring(0, head.lastIndexOf(' '));
        return head + end;
    }

    private static final IntFilter INT = new IntFilter();
    private static final FloatFilter FLOAT = new FloatFilter();

    /** Python's int(): True is 1 and False 0 (jinjava's int filter makes every boolean 0); the rest is jinjava's. */
    private static Object toInt(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        if (v instanceof Boolean b) return b ? 1L : 0L;
        return INT.filter(v, interpreter, strings(args));
    }

    /** Python's float(): True is 1.0, False 0.0; the rest is jinjava's. */
    private static Object toFloat(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        if (v instanceof Boolean b) return b ? 1.0 : 0.0;
        return FLOAT.filter(v, interpreter, strings(args));
    }

    private static String[] strings(Object[] args) {
        return Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
    }

    /** Positional argument {@code i}, else keyword {@code name}, else {@code otherwise}. */
    static Object arg(Object[] args, Map<String, Object> kwargs, int i, String name, Object otherwise) {
        if (args.length > i) return args[i];
        return kwargs.getOrDefault(name, otherwise);
    }

    private static String text(Object v) {
        return v instanceof Undefined ? "" : PythonStr.str(v);
    }

    private static int length(Object v) {
        return switch (v) {
            case String s -> s.codePointCount(0, s.length());
            case Collection<?> c -> c.size();
            case Map<?, ?> m -> m.size();
            case Object[] a -> a.length;
            case Iterable<?> it -> PythonForTag.items(it).size();
            case null, default -> 0;
        };
    }

    private static Object fallback(Object v, Object otherwise, boolean whenFalse) {
        if (v instanceof Undefined || whenFalse && !PythonTruth.of(v)) return otherwise;
        return v;
    }

    private static String join(Object v, String sep, Object attribute, JinjavaInterpreter interpreter) {
        StringJoiner out = new StringJoiner(sep);
        for (Object item : PythonForTag.items(v)) {
            out.add(text(attribute == null ? item : interpreter.resolveProperty(item, String.valueOf(attribute))));
        }
        return out.toString();
    }

    /** Jinja2's indent(width=4, first=false, blank=false): lines after the first (and blank ones if asked) indented. */
    private static String indent(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        Object width = arg(args, kwargs, 0, "width", 4L);
        String pad = width instanceof Number n ? " ".repeat(n.intValue()) : String.valueOf(width);
        boolean blank = PythonTruth.of(arg(args, kwargs, 2, "blank", false));
        List<String> lines = PythonStringMethods.splitlines(text(v) + "\n");
        StringBuilder out = new StringBuilder(lines.getFirst());
        for (String line : lines.subList(1, lines.size())) out.append('\n').append(blank || !line.isEmpty() ? pad + line : line);
        return PythonTruth.of(arg(args, kwargs, 1, "first", false)) ? pad + out : out.toString();
    }

    /** Jinja2's round(precision=0, method='common'): Python's round (half to even on the exact value), or ceil/floor. */
    private static Object round(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        int precision = ((Number) arg(args, kwargs, 0, "precision", 0L)).intValue();
        String method = String.valueOf(arg(args, kwargs, 1, "method", "common"));
        if (!(v instanceof Number n)) throw new IllegalArgumentException("round needs a number, got " + PythonStr.typeName(v));
        if (method.equals("common") && (n instanceof Long || n instanceof Integer)) return n;
        RoundingMode mode = switch (method) {
            case "common" -> RoundingMode.HALF_EVEN;
            case "ceil" -> RoundingMode.CEILING;
            case "floor" -> RoundingMode.FLOOR;
            default -> throw new IllegalArgumentException("method must be common, ceil or floor");
        };
        return new BigDecimal(n.doubleValue()).setScale(precision, mode).doubleValue();
    }

    /** Jinja2's unique(case_sensitive=false, attribute=none): first occurrences, strings compared lower-cased. */
    private static List<Object> unique(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        boolean caseSensitive = PythonTruth.of(arg(args, kwargs, 0, "case_sensitive", false));
        Object attribute = arg(args, kwargs, 1, "attribute", null);
        Set<Object> seen = new HashSet<>();
        List<Object> out = new ArrayList<>();
        for (Object item : PythonForTag.items(v)) {
            Object key = attribute == null ? item : interpreter.resolveProperty(item, String.valueOf(attribute));
            if (!caseSensitive && key instanceof String s) key = s.toLowerCase(Locale.ROOT);
            if (seen.add(key)) out.add(item);
        }
        return out;
    }

    /** dict.items() as [key, value] pairs, so that {@code for k, v in d|items} unpacks them. */
    private static final com.hubspot.jinjava.lib.filter.MapFilter JINJAVA_MAP = new com.hubspot.jinjava.lib.filter.MapFilter();

    /** {@code map(attribute='a.b', default=x)} with dotted attributes as Jinja2 reads them; a filter name as jinjava does. */
    private static Object map(Object v, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        if (!kwargs.containsKey("attribute")) return JINJAVA_MAP.filter(v, interpreter, args, kwargs);
        String path = String.valueOf(kwargs.get("attribute"));
        List<Object> out = new ArrayList<>();
        for (Object item : PythonForTag.items(v)) {
            Object value = attribute(item, path, interpreter);
            out.add(value instanceof Undefined || value == null && kwargs.containsKey("default")
                    ? kwargs.getOrDefault("default", Undefined.INSTANCE) : value);
        }
        return out;
    }

    /** Jinja2's dotted attribute path ({@code details.priority}, {@code items.0}) of an item. */
    static Object attribute(Object item, String path, JinjavaInterpreter interpreter) {
        Object v = item;
        if (path.isEmpty()) return v;
        for (String part : path.split("\\.")) {
            v = v instanceof List<?> list && part.chars().allMatch(Character::isDigit) && Integer.parseInt(part) < list.size()
                    ? list.get(Integer.parseInt(part)) : interpreter.resolveProperty(v, part);
        }
        return v;
    }

    static List<Object> items(Object v) {
        List<Object> pairs = new ArrayList<>();
        if (v instanceof Map<?, ?> m) m.forEach((key, value) -> pairs.add(new ArrayList<>(Arrays.asList(key, value))));
        else if (!(v instanceof Undefined)) throw new IllegalArgumentException("items filter needs a mapping, got " + PythonStr.typeName(v));
        return pairs;
    }
}
