package dev.invariant.engine.text.jinja;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, which Jinja2 uses to print them: {@code True},
 * {@code None}, {@code 2.5}, {@code 1e+16}, {@code [1, 'a', None]}, {@code {'k': "it's"}}.
 */
public final class PythonStr {
    private PythonStr() {
    }

    public static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case CharSequence s -> s.toString();
            default -> repr(v);
        };
    }

    public static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Undefined u -> "";
            case Boolean b -> b ? "True" : "False";
            case Double d -> floatRepr(d);
            case Float f -> floatRepr(f.doubleValue());
            case BigDecimal d -> d.scale() <= 0 ? d.toBigInteger().toString() : floatRepr(d.doubleValue()); // sum of ints
            case Number n -> n.toString();
            case CharSequence s -> quote(s.toString());
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                for (var e : m.entrySet()) {
                    if (b.length() > 1) b.append(", ");
                    b.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                }
                yield b.append('}').toString();
            }
            case Iterable<?> it -> list(it.iterator());
            default -> v.getClass().isArray() ? list(arrayIterator(v)) : v.toString();
        };
    }

    /** The Python type name, for error messages. */
    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case Boolean b -> "bool";
            case Double d -> "float";
            case BigDecimal d -> "float";
            case Number n -> "int";
            case CharSequence s -> "str";
            case Map<?, ?> m -> "dict";
            case Iterable<?> i -> "list";
            default -> v.getClass().getSimpleName();
        };
    }

    private static String list(Iterator<?> it) {
        StringBuilder b = new StringBuilder("[");
        while (it.hasNext()) {
            b.append(repr(it.next()));
            if (it.hasNext()) b.append(", ");
        }
        return b.append(']').toString();
    }

    private static Iterator<Object> arrayIterator(Object array) {
        return new Iterator<>() {
            int i;

            public boolean hasNext() {
                return i < Array.getLength(array);
            }

            public Object next() {
                return Array.get(array, i++);
            }
        };
    }

    /** Python's repr of a str: single quotes unless the text has ' and no ", escapes for the unprintable. */
    static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c == q) b.append('\\').appendCodePoint(c);
                    else if (printable(c)) b.appendCodePoint(c);
                    else if (c < 0x100) b.append(String.format("\\x%02x", c));
                    else if (c < 0x10000) b.append(String.format("\\u%04x", c));
                    else b.append(String.format("\\U%08x", c));
                }
            }
        });
        return b.append(q).toString();
    }

    /** Python's str.isprintable for one code point: not a control, format, separator (but space) or unassigned. */
    private static boolean printable(int c) {
        if (c == ' ') return true;
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's repr of a float: the shortest round-tripping digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        String sign = (Double.doubleToRawLongBits(d) < 0) ? "-" : "";
        if (d == 0) return sign + "0.0";
        // Double.toString gives the shortest digits that round-trip (JDK 19+), as Python's repr does
        BigDecimal dec = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = dec.unscaledValue().toString();
        int exp = digits.length() - 1 - dec.scale();
        if (exp < -4 || exp >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
        }
        if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
        if (digits.length() <= exp + 1) return sign + digits + "0".repeat(exp + 1 - digits.length()) + ".0";
        return sign + digits.substring(0, exp + 1) + "." + digits.substring(exp + 1);
    }
}
