package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whole-number bounds on a number against a plain comparison: every decimal spelling (no exponent) near the bounds
 * matches exactly when its value lies within them; exponent spellings never match.
 */
class NumberRangeTest {
    private static final List<Integer> BOUNDS = List.of(-101, -100, -12, -10, -9, -2, -1, 0, 1, 2, 9, 10, 11, 99, 100,
            1000);
    private static final List<String> FRACTIONS = List.of("", ".0", ".00", ".5", ".05", ".10", ".999", ".000001");

    /** Decimal spellings of both signs with integer parts near the bounds, 0 and powers of ten. */
    private static List<String> spellings() {
        List<String> out = new ArrayList<>();
        for (int a = 0; a <= 1200; a = a < 120 ? a + 1 : a + 37) {
            for (String f : FRACTIONS) {
                out.add(a + f);
                out.add("-" + a + f);
            }
        }
        return out;
    }

    private static String bound(String key, Integer v) {
        return v == null ? "" : ",\"" + key + "\":" + v;
    }

    private static void check(Integer lo, boolean loEx, Integer hi, boolean hiEx) {
        String schema = "{\"type\":\"number\"" + bound(loEx ? "exclusiveMinimum" : "minimum", lo)
                + bound(hiEx ? "exclusiveMaximum" : "maximum", hi) + "}";
        boolean empty = lo != null && hi != null && (lo > hi || lo.equals(hi) && (loEx || hiEx));
        if (empty) {
            assertThrows(EngineException.class, () -> schema(schema), schema);
            return;
        }
        ByteAutomaton a = schema(schema);
        for (String s : spellings()) {
            BigDecimal v = new BigDecimal(s);
            boolean in = (lo == null || (loEx ? v.compareTo(BigDecimal.valueOf(lo)) > 0 : v.compareTo(BigDecimal.valueOf(lo)) >= 0))
                    && (hi == null || (hiEx ? v.compareTo(BigDecimal.valueOf(hi)) < 0 : v.compareTo(BigDecimal.valueOf(hi)) <= 0));
            assertEquals(in, matches(a, s), schema + " on " + s);
        }
        for (String bad : List.of("1e0", "5E1", "0.5e-1", "01", "1.", ".5", "+1", "", "-", "00.5")) {
            assertFalse(matches(a, bad), schema + " on \"" + bad + "\"");
        }
    }

    @Test
    void everyDecimalNearTheBoundsAgreesWithAComparison() {
        for (Integer lo : BOUNDS) {
            for (boolean ex : new boolean[] {false, true}) {
                check(lo, ex, null, false);
                check(null, false, lo, ex);
                for (Integer hi : BOUNDS) {
                    if (hi >= lo - 1) {
                        for (boolean hiEx : new boolean[] {false, true}) check(lo, ex, hi, hiEx);
                    }
                }
            }
        }
    }

    @Test
    void pydanticsProbabilityAndDraft4AndRefusals() {
        ByteAutomaton p = schema("{\"type\":\"number\",\"minimum\":0,\"maximum\":1.0}");
        for (String in : List.of("0", "0.0", "0.25", "1", "1.000", "-0", "-0.0")) assertTrue(matches(p, in), in);
        for (String out : List.of("1.01", "-0.01", "2", "1e-1", "-1")) assertFalse(matches(p, out), out);
        ByteAutomaton d4 = schema("{\"type\":\"number\",\"minimum\":0,\"exclusiveMinimum\":true}");
        assertFalse(matches(d4, "0.0"));
        assertTrue(matches(d4, "0.001"));
        for (String bad : List.of("{\"type\":\"number\",\"minimum\":0.5}", "{\"type\":\"number\",\"maximum\":1e18}",
                "{\"type\":\"number\",\"exclusiveMaximum\":true}", "{\"type\":\"number\",\"minimum\":\"0\"}",
                "{\"type\":\"number\",\"minimum\":2,\"maximum\":1}", "{\"type\":\"number\",\"multipleOf\":0.5}")) {
            EngineException e = assertThrows(EngineException.class, () -> schema(bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
        var e = assertThrows(EngineException.class, () -> schema("{\"type\":\"number\",\"minimum\":0.5}"));
        assertTrue(e.getMessage().contains("whole-number bounds"), e.getMessage());
    }

    private static ByteAutomaton schema(String json) {
        return StructuredOutput.jsonSchema("guided_json", json).automaton();
    }
}
