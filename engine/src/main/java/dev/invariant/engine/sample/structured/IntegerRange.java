package dev.invariant.engine.sample.structured;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.engine.EngineException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The integers of a range, {@code [lo, hi]} with either side possibly open, as a regex of their JSON spellings
 * ({@code -?(0|[1-9][0-9]*)}: no leading zeros, no {@code -0}), exactly: the classic construction that splits a range
 * into runs of one digit count and those into digit-by-digit classes.
 */
final class IntegerRange {
    /** An integer schema's keywords: its type and its bounds. */
    static final Set<String> KEYWORDS = Set.of("type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum");
    /** Bounds (once rounded to integers) must be below this in magnitude, so that they fit a long. */
    static final BigDecimal MAX_BOUND = BigDecimal.TEN.pow(18);

    private IntegerRange() {
    }

    /**
     * An integer within {@code minimum}/{@code maximum}/{@code exclusiveMinimum}/{@code exclusiveMaximum} (numbers as
     * draft 2020-12 writes them; draft 4's boolean exclusives too), rounded inwards to the integers they allow.
     */
    static String of(JsonNode s, Function<String, EngineException> refuse) {
        BigDecimal lo = null;
        BigDecimal hi = null;
        for (String key : KEYWORDS) {
            JsonNode v = s.get(key);
            if (v == null || key.equals("type") || v.isBoolean()) continue;
            BigDecimal b = decimal(v, key, refuse);
            JsonNode draft4 = s.path("exclusive" + Character.toUpperCase(key.charAt(0)) + key.substring(1));
            boolean exclusive = key.startsWith("exclusive") || draft4.isBoolean() && draft4.booleanValue();
            if (key.endsWith("inimum")) {
                BigDecimal least = exclusive ? b.setScale(0, RoundingMode.FLOOR).add(BigDecimal.ONE)
                        : b.setScale(0, RoundingMode.CEILING);
                lo = lo == null ? least : lo.max(least);
            } else {
                BigDecimal most = exclusive ? b.setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE)
                        : b.setScale(0, RoundingMode.FLOOR);
                hi = hi == null ? most : hi.min(most);
            }
        }
        draft4NeedsItsBound(s, refuse);
        if (lo == null && hi == null) return JsonSchemaRegex.INTEGER;
        for (BigDecimal b : new BigDecimal[] {lo, hi}) {
            if (b != null && b.abs().compareTo(MAX_BOUND) >= 0) {
                throw refuse.apply("integer bounds of magnitude 10^18 or more are not supported");
            }
        }
        if (lo != null && hi != null && lo.compareTo(hi) > 0) throw refuse.apply("no integer lies within the bounds");
        return regex(lo == null ? null : lo.longValueExact(), hi == null ? null : hi.longValueExact());
    }

    /** Draft 4's {@code exclusiveMinimum: true} says how {@code minimum} counts: alone it is refused. */
    static void draft4NeedsItsBound(JsonNode s, Function<String, EngineException> refuse) {
        for (String key : new String[] {"exclusiveMinimum", "exclusiveMaximum"}) {
            if (s.path(key).isBoolean() && s.get(key).asBoolean() && !s.has(key.substring(9).toLowerCase())) {
                throw refuse.apply(key + " true (draft 4) needs " + key.substring(9).toLowerCase() + " beside it");
            }
        }
    }

    static BigDecimal decimal(JsonNode v, String key, Function<String, EngineException> refuse) {
        if (v.isNumber()) {
            try {
                return v.decimalValue();
            } catch (NumberFormatException e) {
                // an infinity, from a literal beyond double's range
            }
        }
        throw refuse.apply(key + " must be a finite number");
    }

    /**
     * @param lo the least integer, or null for none
     * @param hi the greatest, or null for none; {@code lo <= hi} when both are given, each of magnitude below 10^18
     */
    static String regex(Long lo, Long hi) {
        List<String> alts = new ArrayList<>();
        // negatives: "-" and the magnitudes [-hi, -lo] (capped at -1 above)
        if (lo == null || lo < 0) {
            long top = hi == null ? -1 : Math.min(hi, -1);
            if (lo == null || lo <= top) alts.add("-" + group(naturals(-top, lo == null ? null : -lo)));
        }
        // zero and positives
        if (hi == null || hi >= 0) {
            long from = lo == null ? 0 : Math.max(lo, 0);
            if (hi == null || from <= hi) {
                if (from == 0) alts.add("0");
                if (hi == null || hi >= 1) alts.add(naturals(Math.max(from, 1), hi));
            }
        }
        return group(String.join("|", alts));
    }

    /** The integers of {@code [from, to]}, {@code from >= 1}, {@code to} null for no bound. */
    private static String naturals(long from, Long to) {
        int digits = Long.toString(from).length();
        List<String> alts = new ArrayList<>();
        if (to == null) {
            // `from` up to all 9s of its length, then any longer spelling
            if (from == pow10(digits - 1)) return "[1-9][0-9]{" + (digits - 1) + ",}";
            alts.add(sameLength(Long.toString(from), "9".repeat(digits)));
            alts.add("[1-9][0-9]{" + digits + ",}");
            return group(String.join("|", alts));
        }
        int last = Long.toString(to).length();
        long lower = from;
        for (int d = digits; d <= last; d++) {
            long upper = d < last ? pow10(d) - 1 : to;
            alts.add(sameLength(Long.toString(lower), Long.toString(upper)));
            lower = pow10(d);
        }
        return group(String.join("|", alts));
    }

    /** The spellings from {@code a} to {@code b}, both of one length, {@code a <= b}. */
    private static String sameLength(String a, String b) {
        if (a.isEmpty()) return "";
        if (a.equals(b)) return a;
        char x = a.charAt(0);
        char y = b.charAt(0);
        String ra = a.substring(1);
        String rb = b.substring(1);
        if (x == y) return x + sameLength(ra, rb);
        int n = ra.length();
        boolean lowFull = ra.equals("0".repeat(n));
        boolean highFull = rb.equals("9".repeat(n));
        List<String> alts = new ArrayList<>();
        char midFrom = lowFull ? x : (char) (x + 1);
        char midTo = highFull ? y : (char) (y - 1);
        if (!lowFull) alts.add(x + group(sameLength(ra, "9".repeat(n))));
        if (midFrom <= midTo) alts.add(digit(midFrom, midTo) + (n == 0 ? "" : "[0-9]{" + n + "}"));
        if (!highFull) alts.add(y + group(sameLength("0".repeat(n), rb)));
        return group(String.join("|", alts));
    }

    private static String digit(char from, char to) {
        return from == to ? String.valueOf(from) : "[" + from + "-" + to + "]";
    }

    private static String group(String alts) {
        return alts.contains("|") ? "(?:" + alts + ")" : alts;
    }

    private static long pow10(int n) {
        long p = 1;
        for (int i = 0; i < n; i++) p *= 10;
        return p;
    }
}
