package dev.invariant.engine.text.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.ELException;

/**
 * Python's printf-style {@code str % args}, behind both {@code '%s: %d' % (a, b)} and the {@code format} filter:
 * flags {@code -+ 0}, width, precision, and the conversions s r d i f F x X o c %. Java's Formatter writes
 * {@code true} for {@code %s} and rounds {@code %.2f} half-up where Python rounds the exact value half-even.
 */
final class PercentFormat {
    private static final Pattern SPEC =
            Pattern.compile("%(?:\\((?<key>[^)]*)\\))?(?<flags>[-+ 0#]*)(?<width>\\d+)?(?:\\.(?<prec>\\d+))?(?<conv>[srdifFxXoc%])");

    private PercentFormat() {
    }

    /** {@code format % arg}: a list is the argument tuple, a map gives {@code %(name)s}, anything else is one value. */
    static String format(String format, Object arg) {
        Matcher m = SPEC.matcher(format);
        long specs = m.results().filter(r -> !r.group().equals("%%")).count();
        if (arg instanceof List<?> list && (specs != 1 || list.size() == 1)) return format(format, list.toArray(), null);
        if (arg instanceof Map<?, ?> map) return format(format, new Object[] {map}, map);
        return format(format, new Object[] {arg}, null);
    }

    static String format(String format, Object[] args, Map<?, ?> named) {
        Matcher m = SPEC.matcher(format);
        StringBuilder out = new StringBuilder();
        int next = 0;
        int last = 0;
        while (m.find()) {
            out.append(literal(format, last, m.start()));
            last = m.end();
            if (m.group("conv").equals("%")) {
                out.append('%');
                continue;
            }
            Object v;
            if (m.group("key") != null && named != null) v = named.get(m.group("key"));
            else if (next < args.length) v = args[next++];
            else throw new ELException("not enough arguments for format string");
            out.append(pad(convert(m, v), m.group("flags"), m.group("width"), m.group("conv")));
        }
        if (next < args.length && named == null) throw new ELException("not all arguments converted during string formatting");
        return out.append(literal(format, last, format.length())).toString();
    }

    /** Text between conversions; a % there is a conversion this class does not know (%e, %g), refused as Python does. */
    private static String literal(String format, int from, int to) {
        String text = format.substring(from, to);
        if (text.indexOf('%') >= 0) throw new ELException("unsupported format character in '" + format + "'");
        return text;
    }

    private static String convert(Matcher m, Object v) {
        String flags = m.group("flags");
        String sign = flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
        Integer prec = m.group("prec") == null ? null : Integer.parseInt(m.group("prec"));
        return switch (m.group("conv")) {
            case "s" -> cut(PythonStr.str(v), prec);
            case "r" -> cut(PythonStr.repr(v), prec);
            case "c" -> v instanceof Number n ? Character.toString(n.intValue()) : PythonStr.str(v);
            case "f", "F" -> signed(new BigDecimal(number(v).doubleValue())
                    .setScale(prec == null ? 6 : prec, RoundingMode.HALF_EVEN).toPlainString(), sign);
            case "x" -> signed(Long.toString(integer(v), 16), sign);
            case "X" -> signed(Long.toString(integer(v), 16).toUpperCase(), sign);
            case "o" -> signed(Long.toString(integer(v), 8), sign);
            default -> signed(Long.toString(integer(v)), sign);
        };
    }

    private static Number number(Object v) {
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof Number n) return n;
        throw new ELException("a number is required, not " + PythonStr.typeName(v));
    }

    private static long integer(Object v) {
        return number(v).longValue();
    }

    /** A sign flag for non-negative numbers. */
    private static String signed(String digits, String sign) {
        return digits.startsWith("-") ? digits : sign + digits;
    }

    private static String cut(String s, Integer prec) {
        return prec == null || prec >= s.length() ? s : s.substring(0, prec);
    }

    private static String pad(String s, String flags, String width, String conv) {
        int w = width == null ? 0 : Integer.parseInt(width);
        if (s.length() >= w) return s;
        String fill = " ".repeat(w - s.length());
        if (flags.contains("-")) return s + fill;
        if (flags.contains("0") && !"sr".contains(conv)) {
            int signLength = s.startsWith("-") || s.startsWith("+") || s.startsWith(" ") ? 1 : 0;
            return s.substring(0, signLength) + "0".repeat(w - s.length()) + s.substring(signLength);
        }
        return fill + s;
    }
}
