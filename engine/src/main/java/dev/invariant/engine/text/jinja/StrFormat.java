package dev.invariant.engine.text.jinja;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code {0[key]}}/{@code {0.attr}},
 * {@code !r}/{@code !s}, {@code {{ }}}, and the format spec {@code [[fill]align][sign][0][width][,][.precision][type]}
 * for the types s d f F % x X o b (the general and exponent formats are refused, not approximated).
 */
final class StrFormat {
    private static final Pattern SPEC = Pattern.compile(
            "(?:(?<fill>.)?(?<align>[<>^=]))?(?<sign>[-+ ])?(?<zero>0)?(?<width>\\d+)?(?<group>[,_])?(?:\\.(?<prec>\\d+))?(?<type>[sdfF%xXob])?");

    private StrFormat() {
    }

    static String format(String template, Object[] params) {
        List<Object> args = new ArrayList<>();
        Map<String, Object> kwargs = new HashMap<>();
        for (Object p : params) {
            if (p instanceof NamedParameter n) kwargs.put(n.getName(), n.getValue());
            else args.add(p);
        }
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < template.length() && template.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '}') {
                throw new IllegalArgumentException("Single '}' encountered in format string");
            } else if (c != '{') {
                out.append(c);
            } else {
                int end = template.indexOf('}', i);
                if (end < 0) throw new IllegalArgumentException("Single '{' encountered in format string");
                String field = template.substring(i + 1, end);
                int colon = field.indexOf(':');
                String spec = colon < 0 ? "" : field.substring(colon + 1);
                String name = colon < 0 ? field : field.substring(0, colon);
                char conversion = 0;
                if (name.matches(".*![rsa]")) {
                    conversion = name.charAt(name.length() - 1);
                    name = name.substring(0, name.length() - 2);
                }
                String head = name.split("[.\\[]", 2)[0];
                Object value;
                if (head.isEmpty()) value = args.get(auto++);
                else if (head.chars().allMatch(Character::isDigit)) value = args.get(Integer.parseInt(head));
                else if (kwargs.containsKey(head)) value = kwargs.get(head);
                else throw new IllegalArgumentException("KeyError: '" + head + "'");
                value = lookup(value, name.substring(head.length()));
                if (conversion == 'r' || conversion == 'a') value = PythonStr.repr(value);
                else if (conversion == 's') value = PythonStr.str(value);
                out.append(apply(value, spec));
                i = end;
            }
        }
        return out.toString();
    }

    /** The {@code .attr} and {@code [key]} parts after a field's name. */
    private static Object lookup(Object value, String path) {
        Matcher m = Pattern.compile("\\.(\\w+)|\\[([^]]*)]").matcher(path);
        while (m.find()) {
            String key = m.group(1) != null ? m.group(1) : m.group(2);
            if (value instanceof Map<?, ?> map) value = map.get(key);
            else if (value instanceof List<?> list && key.matches("\\d+")) value = list.get(Integer.parseInt(key));
            else throw new IllegalArgumentException("cannot look up " + key + " in " + PythonStr.typeName(value));
        }
        return value;
    }

    private static String apply(Object value, String spec) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) throw new IllegalArgumentException("unsupported format spec '" + spec + "'");
        String type = m.group("type");
        Integer prec = m.group("prec") == null ? null : Integer.valueOf(m.group("prec"));
        boolean number = value instanceof Number || value instanceof Boolean && type != null && !type.equals("s");
        if (number && type == null && prec != null) throw new IllegalArgumentException("general number format '" + spec + "' is not supported");
        String text;
        if (!number || type == null && prec == null && m.group("group") == null) {
            text = PythonStr.str(value);
            if (prec != null && !number) text = text.substring(0, Math.min(prec, text.length()));
        } else {
            text = number(value instanceof Boolean b ? (b ? 1 : 0) : (Number) value, type, prec, m.group("group"));
        }
        String sign = m.group("sign");
        if (number && sign != null && !sign.equals("-") && !text.startsWith("-")) text = sign + text;
        int width = m.group("width") == null ? 0 : Integer.parseInt(m.group("width"));
        String align = m.group("align") != null ? m.group("align") : m.group("zero") != null && number ? "=" : number ? ">" : "<";
        String fill = m.group("fill") != null ? m.group("fill") : m.group("zero") != null ? "0" : " ";
        int missing = width - text.codePointCount(0, text.length());
        if (missing <= 0) return text;
        return switch (align) {
            case ">" -> fill.repeat(missing) + text;
            case "^" -> fill.repeat(missing / 2) + text + fill.repeat(missing - missing / 2);
            case "=" -> {
                int signLength = text.startsWith("-") || text.startsWith("+") || text.startsWith(" ") ? 1 : 0;
                yield text.substring(0, signLength) + fill.repeat(missing) + text.substring(signLength);
            }
            default -> text + fill.repeat(missing);
        };
    }

    private static String number(Number n, String type, Integer prec, String group) {
        String t = type == null ? (n instanceof Double || n instanceof BigDecimal ? "f" : "d") : type;
        String text = switch (t) {
            case "x" -> Long.toString(n.longValue(), 16);
            case "X" -> Long.toString(n.longValue(), 16).toUpperCase();
            case "o" -> Long.toString(n.longValue(), 8);
            case "b" -> Long.toString(n.longValue(), 2);
            case "d" -> Long.toString(n.longValue());
            case "%" -> decimal(n.doubleValue() * 100, prec) + "%";
            default -> decimal(n.doubleValue(), prec);
        };
        if (group == null) return text;
        Matcher m = Pattern.compile("^(-?)(\\d+)(.*)$").matcher(text);
        if (!m.matches()) return text;
        String grouped = m.group(2).replaceAll("(\\d)(?=(\\d{3})+$)", "$1" + group);
        return m.group(1) + grouped + m.group(3);
    }

    private static String decimal(double d, Integer prec) {
        return new BigDecimal(d).setScale(prec == null ? 6 : prec, RoundingMode.HALF_EVEN).toPlainString();
    }
}
