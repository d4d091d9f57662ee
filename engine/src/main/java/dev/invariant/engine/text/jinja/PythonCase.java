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
