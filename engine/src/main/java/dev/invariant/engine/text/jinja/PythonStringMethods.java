package dev.invariant.engine.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Python's {@code str} methods that chat templates call ({@code content.startswith('<think>')},
 * {@code .split('</think>')[-1].lstrip('\n')}, {@code ', '.join(names)}, {@code '{}: {}'.format(a, b)}, ...).
 * Jinjava would otherwise look for Java methods: most are missing, and Java's {@code split} takes a regex and drops
 * trailing empty strings. Positions and lengths count code points, as Python does.
 */
final class PythonStringMethods {
    /** Returned for a method name that is not a Python str method handled here. */
    static final Object NOT_MINE = new Object();

    private PythonStringMethods() {
    }

    static Object call(String s, String method, Object[] args) {
        return switch (method) {
            case "startswith" -> affix(s, args, true);
            case "endswith" -> affix(s, args, false);
            case "strip" -> strip(s, arg(args, 0), true, true);
            case "lstrip" -> strip(s, arg(args, 0), true, false);
            case "rstrip" -> strip(s, arg(args, 0), false, true);
            case "split" -> split(s, arg(args, 0), maxsplit(args));
            case "rsplit" -> rsplit(s, arg(args, 0), maxsplit(args));
            case "splitlines" -> splitlines(s);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PythonCase.title(s);
            case "capitalize" -> PythonCase.capitalize(s);
            case "join" -> join(s, args);
            case "format" -> StrFormat.format(s, args);
            case "replace" -> replace(s, str(args, 0), str(args, 1), args.length > 2 ? ((Number) args[2]).intValue() : -1);
            case "find" -> find(s, str(args, 0));
            case "rfind" -> rfind(s, str(args, 0));
            case "index", "rindex" -> {
                int at = method.equals("index") ? find(s, str(args, 0)) : rfind(s, str(args, 0));
                if (at < 0) throw new IllegalArgumentException("substring not found");
                yield at;
            }
            case "ljust", "rjust", "center" -> PythonCase.pad(method, s, ((Number) args[0]).intValue(),
                    args.length > 1 ? str(args, 1) : " ");
            case "zfill" -> PythonCase.zfill(s, ((Number) args[0]).intValue());
            case "swapcase" -> PythonCase.swapcase(s);
            case "partition" -> partition(s, str(args, 0), s.indexOf(str(args, 0)), false);
            case "rpartition" -> partition(s, str(args, 0), s.lastIndexOf(str(args, 0)), true);
            case "count" -> count(s, str(args, 0));
            case "removeprefix" -> s.startsWith(str(args, 0)) ? s.substring(str(args, 0).length()) : s;
            case "removesuffix" -> s.endsWith(str(args, 0)) && !str(args, 0).isEmpty()
                    ? s.substring(0, s.length() - str(args, 0).length()) : s;
            case "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower" -> PythonCase.test(method, s);
            default -> NOT_MINE;
        };
    }

    private static String arg(Object[] args, int i) {
        return args.length <= i || args[i] == null ? null : String.valueOf(args[i]);
    }

    private static String str(Object[] args, int i) {
        if (args.length <= i || !(args[i] instanceof String s)) throw new IllegalArgumentException("expected a string argument");
        return s;
    }

    private static int maxsplit(Object[] args) {
        return args.length > 1 && args[1] instanceof Number n ? n.intValue() : -1;
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

    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strippable(s.codePointAt(from), chars)) from += Character.charCount(s.codePointAt(from));
        while (right && to > from && strippable(s.codePointBefore(to), chars)) to -= Character.charCount(s.codePointBefore(to));
        return s.substring(from, to);
    }

    private static boolean strippable(int c, String chars) {
        return chars == null ? PythonCase.isSpace(c) : chars.indexOf(c) >= 0;
    }

    /** split() on whitespace runs, or split(sep[, maxsplit]) on a literal separator, keeping empty parts. */
    private static List<String> split(String s, String sep, int max) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && PythonCase.isSpace(s.charAt(i))) i++;
                if (i == s.length()) break;
                if (max >= 0 && parts.size() == max) { // CPython: the rest as it is, trailing white space kept
                    parts.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < s.length() && !PythonCase.isSpace(s.charAt(j))) j++;
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

    /** str.splitlines(): Python's line boundaries (\r\n, \r, \n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029), no empty last line. */
    static List<String> splitlines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\n\r\u000b\f\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) < 0) continue;
            lines.add(s.substring(start, i));
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
            start = i + 1;
        }
        if (start < s.length()) lines.add(s.substring(start));
        return lines;
    }

    /** rsplit(sep, maxsplit): split from the right; with no limit it is split. */
    private static List<String> rsplit(String s, String sep, int max) {
        if (sep == null && max >= 0) return rsplitSpace(s, max);
        if (max < 0) return split(s, sep, max);
        List<String> parts = new ArrayList<>();
        int to = s.length();
        for (int at; parts.size() < max && (at = s.lastIndexOf(sep, to - sep.length())) >= 0; to = at) {
            parts.addFirst(s.substring(at + sep.length(), to));
        }
        parts.addFirst(s.substring(0, to));
        return parts;
    }

    /** CPython's rsplit(None, max): words from the right, the rest (leading white space kept) as the first. */
    private static List<String> rsplitSpace(String s, int max) {
        List<String> parts = new ArrayList<>();
        int j = s.length();
        while (true) {
            while (j > 0 && PythonCase.isSpace(s.charAt(j - 1))) j--;
            if (j == 0) break;
            if (parts.size() == max) {
                parts.addFirst(s.substring(0, j));
                break;
            }
            int i = j;
            while (i > 0 && !PythonCase.isSpace(s.charAt(i - 1))) i--;
            parts.addFirst(s.substring(i, j));
            j = i;
        }
        return parts;
    }

    private static String join(String sep, Object[] args) {
        if (args.length != 1 || !(args[0] instanceof Iterable<?> items)) throw new IllegalArgumentException("join takes one iterable");
        StringJoiner joined = new StringJoiner(sep);
        for (Object o : items) {
            if (!(o instanceof String s)) throw new IllegalArgumentException("sequence item: expected str, " + PythonStr.typeName(o) + " found");
            joined.add(s);
        }
        return joined.toString();
    }

    static String replace(String s, String old, String with, int count) {
        int limit = count < 0 ? Integer.MAX_VALUE : count;
        StringBuilder b = new StringBuilder();
        if (old.isEmpty()) { // Python inserts between code points
            int n = 0;
            for (int i = 0; i <= s.length(); i += i < s.length() ? Character.charCount(s.codePointAt(i)) : 1) {
                if (n++ < limit) b.append(with);
                if (i < s.length()) b.appendCodePoint(s.codePointAt(i));
            }
            return b.toString();
        }
        int from = 0;
        for (int n = 0, at; n < limit && (at = s.indexOf(old, from)) >= 0; n++, from = at + old.length()) {
            b.append(s, from, at).append(with);
        }
        return b.append(s, from, s.length()).toString();
    }

    private static int find(String s, String sub) {
        int at = s.indexOf(sub);
        return at < 0 ? -1 : s.codePointCount(0, at);
    }

    private static int rfind(String s, String sub) {
        int at = s.lastIndexOf(sub);
        return at < 0 ? -1 : s.codePointCount(0, at);
    }

    /** [before, sep, after] around {@code sep} found at {@code at}; not found: s first (partition) or last (rpartition). */
    private static List<String> partition(String s, String sep, int at, boolean fromRight) {
        if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
        if (at < 0) return fromRight ? List.of("", "", s) : List.of(s, "", "");
        return List.of(s.substring(0, at), sep, s.substring(at + sep.length()));
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }
}
