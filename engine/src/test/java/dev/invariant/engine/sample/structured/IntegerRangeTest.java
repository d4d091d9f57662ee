package dev.invariant.engine.sample.structured;

import static dev.invariant.engine.sample.structured.RegexAutomatonTest.matches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.engine.EngineException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The integer-range regex against a plain comparison, for every integer in windows around many bound pairs. */
class IntegerRangeTest {
    private static final long MAX = 999_999_999_999_999_999L;
    private static final List<Long> BOUNDS = List.of(0L, 1L, -1L, 2L, 9L, 10L, 11L, 19L, 20L, 42L, 99L, 100L, 101L,
            109L, 123L, 199L, 200L, 909L, 999L, 1000L, 1234L, 5678L, 9999L, 10000L, -9L, -10L, -11L, -99L, -100L,
            -123L, -1000L, -1234L, 123_456_789_012L, 100_000_000_000_000_000L, MAX, -MAX);

    /** Integers near the bounds, near 0 and near every power of ten, both signs. */
    private static List<BigInteger> candidates(Long lo, Long hi) {
        TreeSet<BigInteger> c = new TreeSet<>();
        List<BigInteger> centres = new ArrayList<>(List.of(BigInteger.ZERO));
        if (lo != null) centres.add(BigInteger.valueOf(lo));
        if (hi != null) centres.add(BigInteger.valueOf(hi));
        for (int k = 1; k <= 19; k++) {
            centres.add(BigInteger.TEN.pow(k));
            centres.add(BigInteger.TEN.pow(k).negate());
        }
        for (BigInteger centre : centres) {
            for (int d = -12; d <= 12; d++) c.add(centre.add(BigInteger.valueOf(d)));
        }
        return new ArrayList<>(c);
    }

    private static void check(Long lo, Long hi) {
        String regex = IntegerRange.regex(lo, hi);
        ByteAutomaton a = LazyDfa.of("f", regex);
        for (BigInteger n : candidates(lo, hi)) {
            boolean in = (lo == null || n.compareTo(BigInteger.valueOf(lo)) >= 0)
                    && (hi == null || n.compareTo(BigInteger.valueOf(hi)) <= 0);
            assertEquals(in, matches(a, n.toString()), "[" + lo + ", " + hi + "] on " + n + ": " + regex);
        }
        for (String bad : List.of("-0", "00", "01", "-01", "+1", "1.0", "", "-", "1e3", " 1")) {
            assertFalse(matches(a, bad), "[" + lo + ", " + hi + "] on \"" + bad + "\": " + regex);
        }
    }

    @Test
    void everyIntegerNearTheBoundsAgreesWithAComparison() {
        for (Long lo : BOUNDS) {
            check(lo, null);
            check(null, lo);
            for (Long hi : BOUNDS) if (lo <= hi) check(lo, hi);
        }
        Random rnd = new Random(3);
        for (int i = 0; i < 300; i++) {
            long x = (long) (Math.pow(10, rnd.nextInt(8)) * (rnd.nextDouble() * 2 - 1));
            long y = (long) (Math.pow(10, rnd.nextInt(8)) * (rnd.nextDouble() * 2 - 1));
            check(Math.min(x, y), Math.max(x, y));
        }
    }

    @Test
    void everyIntegerOfASmallWindowForAllBoundPairsInIt() {
        for (long lo = -120; lo <= 120; lo += 7) {
            for (long hi = lo; hi <= 130; hi += 11) {
                ByteAutomaton a = LazyDfa.of("f", IntegerRange.regex(lo, hi));
                for (long n = -1100; n <= 1100; n++) assertEquals(n >= lo && n <= hi, matches(a, Long.toString(n)));
            }
        }
    }

    @Test
    void schemaBoundsRoundInwardsAndAreCapped() {
        ByteAutomaton a = schema("{\"type\":\"integer\",\"minimum\":1.5,\"exclusiveMaximum\":5}");
        for (int n = -3; n <= 8; n++) assertEquals(n >= 2 && n <= 4, matches(a, Integer.toString(n)), "" + n);
        a = schema("{\"type\":\"integer\",\"exclusiveMinimum\":-2.5,\"maximum\":2.5}");
        for (int n = -5; n <= 5; n++) assertEquals(n >= -2 && n <= 2, matches(a, Integer.toString(n)), "" + n);
        a = schema("{\"type\":\"integer\",\"exclusiveMinimum\":3,\"minimum\":2}");
        for (int n = 0; n <= 6; n++) assertEquals(n >= 4, matches(a, Integer.toString(n)), "" + n);
        a = schema("{\"type\":\"integer\",\"minimum\":3,\"exclusiveMinimum\":true,\"maximum\":5,"
                + "\"exclusiveMaximum\":false}");
        for (int n = 0; n <= 7; n++) assertEquals(n == 4 || n == 5, matches(a, Integer.toString(n)), "draft 4: " + n);
        assertTrue(matches(schema("{\"type\":\"integer\",\"maximum\":999999999999999999}"), "-123456789012345678901"));
        for (String bad : List.of("{\"type\":\"integer\",\"minimum\":1e18}", "{\"type\":\"integer\",\"maximum\":-1e300}",
                "{\"type\":\"integer\",\"maximum\":1e400}", "{\"type\":\"integer\",\"minimum\":\"3\"}",
                "{\"type\":\"integer\",\"minimum\":2.5,\"maximum\":2.9}", "{\"type\":\"integer\",\"exclusiveMinimum\":true}",
                "{\"type\":\"integer\",\"multipleOf\":2}")) {
            EngineException e = assertThrows(EngineException.class, () -> schema(bad), bad);
            assertEquals("guided_json", e.param(), bad);
        }
    }

    private static ByteAutomaton schema(String json) {
        return StructuredOutput.jsonSchema("guided_json", json).automaton();
    }
}
