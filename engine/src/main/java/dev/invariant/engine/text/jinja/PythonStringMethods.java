package dev.invariant.engine.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods that chat templates call ({@code content.startswith('<think>')},
 * {@code .split('</think>')[-1].lstrip('\n')}, ...). Jinjava would otherwise look for Java methods:
 * most are missing, and Java's {@code split} takes a regex and drops trailing empty strings. Only
 * calls on strings with these names are answered; everything else goes on to jinjava's resolver.
 */
final class PythonStringMethods extends ELResolver {
    private static final Object NOT_MINE = new Object();

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> affix(s, args, true);
            case "endswith" -> affix(s, args, false);
            case "strip" -> strip(s, args, true, true);
            case "lstrip" -> strip(s, args, true, false);
            case "rstrip" -> strip(s, args, false, true);
            case "split" -> split(s, args);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            default -> NOT_MINE;
        };
        if (result == NOT_MINE) return null;
        context.setPropertyResolved(true);
        return result;
    }

    /** startswith/endswith with one affix or a list of them (Python's tuple). */
    private static boolean affix(String s, Object[] args, boolean start) {
        if (args.length == 0) throw new IllegalArgumentException((start ? "startswith" : "endswith") + " needs an argument");
        Iterable<?> options = args[0] instanceof Iterable<?> it ? it : List.of(String.valueOf(args[0]));
        for (Object o : options) {
            String a = String.valueOf(o);
            if (start ? s.startsWith(a) : s.endsWith(a)) return true;
        }
        return false;
    }

    private static String strip(String s, Object[] args, boolean left, boolean right) {
        String chars = args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
        int from = 0;
        int to = s.length();
        while (left && from < to && strippable(s.charAt(from), chars)) from++;
        while (right && to > from && strippable(s.charAt(to - 1), chars)) to--;
        return s.substring(from, to);
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's str.isspace for one char. */
    private static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** split() on whitespace runs, or split(sep[, maxsplit]) on a literal separator, keeping empty parts. */
    private static List<String> split(String s, Object[] args) {
        String sep = args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
        int max = args.length > 1 && args[1] instanceof Number n ? n.intValue() : -1;
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) i++;
                if (i == s.length()) break;
                if (max >= 0 && parts.size() == max) {
                    parts.add(strip(s.substring(i), new Object[0], false, true));
                    break;
                }
                int j = i;
                while (j < s.length() && !isSpace(s.charAt(j))) j++;
                parts.add(s.substring(i, j));
                i = j;
            }
            return parts;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        int from = 0;
        for (int at; (max < 0 || parts.size() < max) && (at = s.indexOf(sep, from)) >= 0; from = at + sep.length()) {
            parts.add(s.substring(from, at));
        }
        parts.add(s.substring(from));
        return parts;
    }

    // Not a property resolver: every lookup goes on to jinjava's own resolver.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // never resolves, so jinjava's resolver handles assignments
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
