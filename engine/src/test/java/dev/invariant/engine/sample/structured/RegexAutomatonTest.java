package dev.invariant.engine.sample.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The regex subset through parser, NFA and lazy DFA, checked against java.util.regex as the oracle. */
class RegexAutomatonTest {

    static boolean matches(ByteAutomaton a, String s) {
        int state = a.walk(a.start(), s.getBytes(StandardCharsets.UTF_8), 0);
        return state != ByteAutomaton.DEAD && a.accepting(state);
    }

    /** Whether some continuation of {@code s} could still match (the state is not dead). */
    static boolean live(ByteAutomaton a, String s) {
        return a.walk(a.start(), s.getBytes(StandardCharsets.UTF_8), 0) != ByteAutomaton.DEAD;
    }

    private static final List<String> PATTERNS = List.of(
            "abc", "a|b|cd", "(ab)*c", "(?:ab)+", "a?b?c?", "[a-c]{2,3}", "[^a-c]x", "\\d{3}-\\d{4}", "\\w+@\\w+\\.com",
            "\\s*x", ".\\..", "x{2}", "x{2,}", "(a|bc){1,3}d", "[\\]a]+", "[-a]", "[a-]", "\\(\\)\\[\\]\\{\\}",
            "colou?r", "(yes|no|maybe)", "[0-9]+(\\.[0-9]+)?", "^anchored$", "\\x41\\u00e9", "[é-ë]+", "\\D\\W\\S",
            "(a*)*b", "(?:x|)y");
    private static final String ALPHABET = "abcdxy0123.-@ é\u00eb(){}[]\nAéë_";

    @Test
    void agreesWithJavaRegexOnRandomStrings() {
        Random rnd = new Random(7);
        for (String p : PATTERNS) {
            ByteAutomaton a = LazyDfa.of("regex", p);
            Pattern oracle = Pattern.compile(p.equals("^anchored$") ? "anchored" : p);
            int positives = 0;
            for (int i = 0; i < 3000; i++) {
                StringBuilder s = new StringBuilder();
                int len = rnd.nextInt(7);
                for (int j = 0; j < len; j++) s.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                boolean expected = oracle.matcher(s).matches();
                positives += expected ? 1 : 0;
                assertEquals(expected, matches(a, s.toString()), p + " on \"" + s + "\"");
            }
            // every pattern's own examples
            for (String ok : examples(p)) assertTrue(matches(a, ok), p + " should match " + ok);
            assertTrue(positives >= 0);
        }
    }

    private static List<String> examples(String p) {
        return switch (p) {
            case "\\d{3}-\\d{4}" -> List.of("555-1234");
            case "\\w+@\\w+\\.com" -> List.of("ab_1@x.com");
            case "\\x41\\u00e9" -> List.of("Aé");
            case "[é-ë]+" -> List.of("éêë");
            case "^anchored$" -> List.of("anchored");
            case "a{,2}" -> List.of("a{,2}");
            default -> List.of();
        };
    }

    @Test
    void prefixesStayLiveAndWrongBytesDie() {
        ByteAutomaton a = LazyDfa.of("regex", "\\{\"name\": \"[a-z]+\"\\}");
        assertTrue(live(a, "{\"na"));
        assertTrue(live(a, "{\"name\": \"bob"));
        assertFalse(matches(a, "{\"name\": \"bob"));
        assertTrue(matches(a, "{\"name\": \"bob\"}"));
        assertFalse(live(a, "{\"name\": \"Bob"));
        assertFalse(live(a, "{\"name\": \"bob\"} "));
    }

    @Test
    void dotAndNegatedClassesTakeWholeUtf8Characters() {
        ByteAutomaton a = LazyDfa.of("regex", "[^x]");
        assertTrue(matches(a, "é"));
        assertTrue(matches(a, "\uD83D\uDE00"), "an emoji is one character of four bytes");
        assertFalse(matches(a, "éé"));
        ByteAutomaton dot = LazyDfa.of("regex", ".");
        assertFalse(matches(dot, "\n"));
        assertTrue(matches(dot, "\u4e2d"));
    }

    @Test
    void unsupportedSyntaxIsRefusedNamingTheField() {
        for (String bad : List.of("(?=a)", "(a", "a)", "[a", "*a", "a{3,1}", "\\1", "\\p{L}", "a{5000}", "a^b",
                "\\", "(?<n>a)", "a++")) {
            EngineException e = assertThrows(EngineException.class, () -> LazyDfa.of("guided_regex", bad), bad);
            assertEquals(ErrorCode.INVALID_PARAM, e.code());
            assertTrue(e.getMessage().contains("guided_regex"), e.getMessage());
        }
    }

    /** (a|b)*a(a|b){16} needs 2^17 DFA states; walks discover them until the bound refuses the next. */
    @Test
    void aDfaThatWouldExplodeStopsAtItsBound() {
        ByteAutomaton a = LazyDfa.of("guided_regex", "(a|b)*a(a|b){16}");
        Random rnd = new Random(5);
        var e = assertThrows(EngineException.class, () -> {
            for (int i = 0; i < 1000; i++) {
                byte[] s = new byte[400];
                for (int j = 0; j < s.length; j++) s[j] = (byte) (rnd.nextBoolean() ? 'a' : 'b');
                a.walk(a.start(), s, 0);
            }
        });
        assertEquals("guided_regex", e.param());
        assertTrue(e.getMessage().contains("simplify"), e.getMessage());
    }

    @Test
    void hugePatternsAreRefusedNotCompiled() {
        var e = assertThrows(EngineException.class, () -> LazyDfa.of("regex", "((a{1000}){1000}){1000}"));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
    }
}
