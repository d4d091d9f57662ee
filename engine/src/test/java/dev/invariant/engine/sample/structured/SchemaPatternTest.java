package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.invariant.engine.EngineException;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A schema's pattern as a JSON string: every string it takes holds a match of the pattern (java.util.regex, whose
 * {@code .} also leaves out line terminators, standing in for ECMA-262) and nothing JSON escapes.
 */
class SchemaPatternTest {
    private static final List<String> PATTERNS = List.of("^[A-Z]{2}-\\d{3}$", "a+", "^.{1,3}$", "^[^@\\s]+@[^@\\s]+$",
            "x|y$", "^(ab|c)*d?$", "[\\w.]+", "\\D\\W\\S", "[^\\d]", "[^x]", "\\s", "(?:é|ü)+", "[a\"\\\\\\n]+",
            "^\\$\\d+(\\.\\d{2})?$", "", "^$", "[\\x00-\\x7f]{2}");
    private static final String ALPHABET = "abcdxyAB0129.-@ é\u00fc\u2028\"\\\n\t\r$_\u0001";

    private static ByteAutomaton string(String pattern) {
        return StructuredOutput.jsonSchema("guided_json", "{\"type\":\"string\",\"pattern\":"
                + CanonicalJson.compact(TextNode.valueOf(pattern)) + "}").automaton();
    }

    private static boolean plain(String s) {
        return s.chars().noneMatch(c -> c < 0x20 || c == '"' || c == '\\');
    }

    @Test
    void everyAcceptedStringHoldsAMatchAndNeedsNoEscape() {
        Random rnd = new Random(11);
        for (String p : PATTERNS) {
            ByteAutomaton a = string(p);
            Pattern oracle = Pattern.compile(p);
            int accepted = 0;
            for (int i = 0; i < 4000; i++) {
                StringBuilder s = new StringBuilder();
                int len = rnd.nextInt(7);
                for (int j = 0; j < len; j++) s.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                String v = s.toString();
                if (!matches(a, "\"" + v + "\"")) continue;
                accepted++;
                assertTrue(oracle.matcher(v).find() && plain(v), p + " took \"" + v + "\"");
                // ASCII-only where the dialects' Unicode classes differ
                if (p.contains(".") || p.contains("\\D") || p.contains("[^\\d]")) {
                    assertTrue(v.chars().allMatch(c -> c < 0x80), p + " took \"" + v + "\"");
                }
            }
            assertTrue(accepted > 0 || p.startsWith("^[A-Z]") || p.equals("^$"), p + " took nothing");
        }
    }

    @Test
    void sampledOutputsDecodeToAStringHoldingAMatch() throws Exception {
        Random rnd = new Random(5);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String p : PATTERNS) {
            ByteAutomaton a = string(p);
            Pattern oracle = Pattern.compile(p);
            for (int i = 0; i < 100; i++) {
                String out = AutomatonSamples.sample(a, rnd, 200);
                String v = json.readTree(out).textValue();
                assertEquals("\"" + v + "\"", out, "no escapes");
                assertTrue(oracle.matcher(v).find() && plain(v), p + " gave " + out);
            }
        }
    }

    @Test
    void wholeMatchesArePlainJsonStrings() {
        assertTrue(matches(string("^[A-Z]{2}-\\d{3}$"), "\"AB-123\""));
        assertFalse(matches(string("^[A-Z]{2}-\\d{3}$"), "\"xAB-123\""), "a whole match, not a search");
        assertTrue(matches(string("x|y$"), "\"x\"") && matches(string("x|y$"), "\"y\""));
        assertTrue(matches(string("[^x]"), "\"é\""), "a negated class takes any other character");
        assertFalse(matches(string("[^x]"), "\"\\\"\"") || matches(string("[^x]"), "\"\\n\""));
        assertFalse(matches(string("^.$"), "\"é\""), "the dot is ASCII");
        assertTrue(matches(string("[a\"\\\\\\n]+"), "\"aa\""), "escaped characters drop out of a set");
        assertTrue(matches(string("^\\$\\d+(\\.\\d{2})?$"), "\"$12.50\""));
        assertTrue(matches(string("^$"), "\"\""));
    }

    @Test
    void patternsThatNeedAnEscapeOrReadDifferentlyAreRefusedWithThePath() {
        for (String[] bad : new String[][] {{"a\"b", "writes escaped"}, {"^\\n$", "writes escaped"},
            {"a\\\\", "writes escaped"}, {"a{,2}", "brace"}, {"[]a]", "empty class"}, {"\\012", "octal"},
            {"(?=a)b", "look-around"}, {"a^b", "anchors"}, {"[\u00e9-\u00ea]", null}}) {
            String schema = "{\"type\":\"object\",\"properties\":{\"code\":{\"type\":\"string\",\"pattern\":"
                    + CanonicalJson.compact(TextNode.valueOf(bad[0])) + "}}}";
            if (bad[1] == null) {
                StructuredOutput.jsonSchema("guided_json", schema); // a class of non-ASCII characters is fine
                continue;
            }
            EngineException e = assertThrows(EngineException.class, () -> StructuredOutput.jsonSchema("guided_json",
                    schema), bad[0]);
            assertEquals("guided_json", e.param());
            assertTrue(e.getMessage().contains("/properties/code") && e.getMessage().contains(bad[1]), e.getMessage());
        }
        for (String bad : List.of("{\"type\":\"string\",\"pattern\":\"a+\",\"maxLength\":3}",
                "{\"type\":\"string\",\"pattern\":3}")) {
            assertThrows(EngineException.class, () -> StructuredOutput.jsonSchema("guided_json", bad), bad);
        }
    }
}
