package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as transformers defines it for chat templates: Python's
 * {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, each settable by keyword
 * or position. Jinjava's own filter writes compact JSON, which would change the rendered prompt.
 */
final class PythonJson {
    private final boolean ascii;
    private final String indent; // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    private PythonJson(boolean ascii, String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        this.ascii = ascii;
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
    }

    static String filter(Object value, Object[] args, Map<String, Object> kwargs, JinjavaInterpreter interpreter) {
        Object indent = PythonFilters.arg(args, kwargs, 1, "indent", null);
        Object separators = PythonFilters.arg(args, kwargs, 2, "separators", null);
        String item = indent == null ? ", " : ",";
        String key = ": ";
        if (separators instanceof List<?> pair && pair.size() == 2) {
            item = String.valueOf(pair.get(0));
            key = String.valueOf(pair.get(1));
        }
        String unit = switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(Math.max(0, n.intValue()));
            default -> String.valueOf(indent);
        };
        var json = new PythonJson(PythonTruth.of(PythonFilters.arg(args, kwargs, 0, "ensure_ascii", false)), unit, item, key,
                PythonTruth.of(PythonFilters.arg(args, kwargs, 3, "sort_keys", false)));
        StringBuilder out = new StringBuilder();
        json.write(value, out, 0);
        return out.toString();
    }

    private void write(Object v, StringBuilder out, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Undefined u -> throw new IllegalArgumentException("Object of type Undefined is not JSON serializable");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(number(d));
            case Float f -> out.append(number(f.doubleValue()));
            case java.math.BigDecimal d -> out.append(number(d.doubleValue()));
            case Number n -> out.append(n);
            case CharSequence s -> string(s.toString(), out);
            case Map<?, ?> m -> {
                List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
                if (sortKeys) entries.sort((a, b) -> SortFilter.compare(key(a.getKey()), key(b.getKey())));
                container(out, '{', '}', depth, entries, e -> {
                    string(key(e.getKey()), out);
                    out.append(keySeparator);
                    write(e.getValue(), out, depth + 1);
                });
            }
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                container(out, '[', ']', depth, items, o -> write(o, out, depth + 1));
            }
            default -> {
                if (!v.getClass().isArray()) throw new IllegalArgumentException("Object of type " + PythonStr.typeName(v) + " is not JSON serializable");
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < Array.getLength(v); i++) items.add(Array.get(v, i));
                write(items, out, depth);
            }
        }
    }

    private <T> void container(StringBuilder out, char open, char close, int depth, List<T> items, java.util.function.Consumer<T> each) {
        out.append(open);
        if (items.isEmpty()) {
            out.append(close);
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            if (indent != null) out.append('\n').append(indent.repeat(depth + 1));
            each.accept(items.get(i));
        }
        if (indent != null) out.append('\n').append(indent.repeat(depth));
        out.append(close);
    }

    /** A key as json.dumps writes it: strings as they are, numbers and booleans and None as their JSON text. */
    private static String key(Object k) {
        return switch (k) {
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Double d -> number(d);
            default -> String.valueOf(k);
        };
    }

    private static String number(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PythonStr.floatRepr(d);
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || ascii && c > 0x7e) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
