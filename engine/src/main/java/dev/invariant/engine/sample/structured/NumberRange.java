package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A number within whole-number bounds (pydantic's {@code confloat(ge=0, le=1)}), as a regex of decimal spellings
 * without exponent: {@code -?} integer part, optional fraction. Every spelling it allows lies within the bounds; the
 * exponent spellings are left out (a subset, as a regex cannot compare them), and a bound that is not a whole number is
 * refused. A value is sign, integer part {@code a} and fraction {@code f} in [0, 1); with a whole bound {@code B},
 * {@code a + f >= B} exactly when {@code a >= B}, and {@code a + f <= B} exactly when {@code a < B}, or {@code a = B}
 * with a fraction of zeros; so each bound is a range of {@code a} and a kind of fraction.
 */
final class NumberRange {
    private enum Fraction {
        ANY("(?:\\.[0-9]+)?"), ZERO("(?:\\.0+)?"), NONZERO("\\.[0-9]*[1-9][0-9]*");

        final String regex;

        Fraction(String regex) {
            this.regex = regex;
        }

        Fraction and(Fraction o) {
            if (this == ANY) return o;
            if (o == ANY || o == this) return this;
            return null;
        }
    }

    /** Integer parts {@code [from, to]} ({@code to} null: no end) with a kind of fraction. */
    private record Piece(long from, Long to, Fraction fraction) {
        Piece and(Piece o) {
            long f = Math.max(from, o.from);
            Long t = to == null ? o.to : o.to == null ? to : Long.valueOf(Math.min(to, o.to));
            Fraction k = fraction.and(o.fraction);
            return k == null || t != null && f > t ? null : new Piece(f, t, k);
        }
    }

    /** A bound on the magnitude {@code w = a + f >= 0}: {@code w >= b} or {@code w <= b}, strict or not. */
    private record Bound(BigDecimal value, boolean exclusive) {
        Bound negate() {
            return new Bound(value.negate(), exclusive);
        }
    }

    private NumberRange() {
    }

    static String of(JsonNode s, Function<String, EngineException> refuse) {
        Bound lo = null;
        Bound hi = null;
        for (String key : IntegerRange.KEYWORDS) {
            JsonNode v = s.get(key);
            if (v == null || key.equals("type") || v.isBoolean()) continue;
            BigDecimal b = IntegerRange.decimal(v, key, refuse);
            if (b.signum() != 0 && b.stripTrailingZeros().scale() > 0) {
                throw refuse.apply(key + " " + v + " on a number: only whole-number bounds are supported (the output"
                        + " is compared digit by digit); use a whole bound, or type integer");
            }
            if (b.abs().compareTo(IntegerRange.MAX_BOUND) >= 0) {
                throw refuse.apply("number bounds of magnitude 10^18 or more are not supported");
            }
            JsonNode draft4 = s.path("exclusive" + Character.toUpperCase(key.charAt(0)) + key.substring(1));
            Bound bound = new Bound(b, key.startsWith("exclusive") || draft4.isBoolean() && draft4.booleanValue());
            if (key.endsWith("inimum")) lo = tighter(lo, bound, 1);
            else hi = tighter(hi, bound, -1);
        }
        IntegerRange.draft4NeedsItsBound(s, refuse);
        if (lo == null && hi == null) return JsonSchemaRegex.NUMBER;
        List<String> alts = new ArrayList<>();
        for (Piece p : magnitudes(lo, hi)) alts.add(piece(p));
        // -(a + f): v >= lo is w <= -lo, v <= hi is w >= -hi
        for (Piece p : magnitudes(hi == null ? null : hi.negate(), lo == null ? null : lo.negate())) {
            alts.add("-" + piece(p));
        }
        if (alts.isEmpty()) throw refuse.apply("no number lies within the bounds");
        return "(?:" + String.join("|", alts) + ")";
    }

    /** Of two bounds on one side, the one that allows less ({@code side} 1: lower bounds, -1: upper). */
    private static Bound tighter(Bound a, Bound b, int side) {
        if (a == null) return b;
        int c = a.value.compareTo(b.value) * side;
        if (c != 0) return c > 0 ? a : b;
        return a.exclusive ? a : b;
    }

    /** The magnitudes {@code w = a + f >= 0} with {@code w >= lo} and {@code w <= hi}, as pieces. */
    private static List<Piece> magnitudes(Bound lo, Bound hi) {
        List<Piece> out = new ArrayList<>();
        for (Piece l : atLeast(lo)) {
            for (Piece h : atMost(hi)) {
                Piece p = l.and(h);
                if (p != null) out.add(p);
            }
        }
        return out;
    }

    private static List<Piece> atLeast(Bound b) {
        if (b == null || b.value.signum() < 0) return List.of(new Piece(0, null, Fraction.ANY));
        long v = b.value.longValueExact();
        if (!b.exclusive) return List.of(new Piece(v, null, Fraction.ANY));
        return List.of(new Piece(v + 1, null, Fraction.ANY), new Piece(v, v, Fraction.NONZERO));
    }

    private static List<Piece> atMost(Bound b) {
        if (b == null) return List.of(new Piece(0, null, Fraction.ANY));
        if (b.value.signum() < 0 || b.exclusive && b.value.signum() == 0) return List.of();
        long v = b.value.longValueExact();
        List<Piece> out = new ArrayList<>();
        if (v >= 1) out.add(new Piece(0, v - 1, Fraction.ANY));
        if (!b.exclusive) out.add(new Piece(v, v, Fraction.ZERO));
        return out;
    }

    private static String piece(Piece p) {
        return IntegerRange.regex(p.from, p.to) + p.fraction.regex;
    }
}
