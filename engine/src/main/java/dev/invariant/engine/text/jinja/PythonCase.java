package dev.invariant.engine.text.jinja;

import java.util.Locale;
import java.util.function.IntPredicate;

/** Python's case and character-class rules for str methods ({@code title}, {@code capitalize}, {@code isdigit}, ...). */
final class PythonCase {
    private PythonCase() {
    }

    /** str.title(): a cased character after an uncased one starts a word ("it's" becomes "It'S", as in Python). */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (previousCased) b.append(lower(c));
            else b.appendCodePoint(Character.toTitleCase(c));
            previousCased = cased(c);
        }
        return b.toString();
    }

    /** str.swapcase(): upper case characters to lower, lower to upper (each as Python maps it: 'ß' becomes "SS"). */
    static String swapcase(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            String one = new String(Character.toChars(c));
            b.append(Character.isUpperCase(c) ? one.toLowerCase(Locale.ROOT)
                    : Character.isLowerCase(c) ? one.toUpperCase(Locale.ROOT) : one);
        });
        return b.toString();
    }

    /** str.ljust / rjust / center(width, fill): padded to width code points; center puts CPython's odd one left. */
    static String pad(String method, String s, int width, String fill) {
        if (fill.codePointCount(0, fill.length()) != 1) {
            throw new IllegalArgumentException("The fill character must be exactly one character long");
        }
        int margin = width - s.codePointCount(0, s.length());
        if (margin <= 0) return s;
        int left = switch (method) {
            case "ljust" -> 0;
            case "rjust" -> margin;
            default -> margin / 2 + (margin & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(margin - left);
    }

    /** str.zfill(width): zeros after a leading sign, to width code points. */
    static String zfill(String s, int width) {
        int margin = width - s.codePointCount(0, s.length());
        if (margin <= 0) return s;
        boolean sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
        return sign ? s.charAt(0) + "0".repeat(margin) + s.substring(1) : "0".repeat(margin) + s;
    }

    /** str.capitalize(): the first character in title case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(Character.charCount(first)).toLowerCase(Locale.ROOT)).toString();
    }

    /** isdigit, isalpha, isalnum, isspace: non-empty and every character in the class; isupper/islower: Python's. */
    static boolean test(String method, String s) {
        return switch (method) {
            case "isupper" -> cases(s, Character::isLowerCase);
            case "islower" -> cases(s, c -> Character.isUpperCase(c) || Character.isTitleCase(c));
            default -> {
                IntPredicate in = switch (method) {
                    case "isdigit" -> Character::isDigit;
                    case "isalpha" -> Character::isLetter;
                    case "isalnum" -> Character::isLetterOrDigit;
                    default -> PythonCase::isSpace;
                };
                yield !s.isEmpty() && s.codePoints().allMatch(in);
            }
        };
    }

    /** Python's str.isspace for one character. */
    static boolean isSpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** At least one cased character and none of the opposite case. */
    private static boolean cases(String s, IntPredicate opposite) {
        return s.codePoints().anyMatch(PythonCase::cased) && s.codePoints().noneMatch(opposite);
    }

    private static boolean cased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    private static String lower(int c) {
        return Character.toString(c).toLowerCase(Locale.ROOT);
    }
}
