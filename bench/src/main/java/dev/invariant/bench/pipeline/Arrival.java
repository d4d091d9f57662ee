package dev.invariant.bench.pipeline;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import java.util.Locale;

/**
 * When the requests of one trial are sent: all at once, or open-loop at a fixed rate (request i is due at i / rate
 * seconds, whatever happened to the earlier ones). {@code half} is resolved to half the engine's measured capacity.
 *
 * @param ratePerSecond 0 for all at once
 */
record Arrival(String spec, double ratePerSecond) {
    static final String ALL = "all";
    static final String HALF = "half";

    Arrival {
        if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "an arrival rate must be >= 0 requests/s, got " + ratePerSecond);
        }
    }

    /** {@code all}, {@code half}, or a rate in requests per second such as {@code 40}. */
    static Arrival parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals(ALL)) return new Arrival(ALL, 0);
        if (s.equals(HALF)) return new Arrival(HALF, 0);
        try {
            double r = Double.parseDouble(s.endsWith("/s") ? s.substring(0, s.length() - 2) : s);
            if (r <= 0) throw new NumberFormatException();
            return new Arrival(s, r);
        } catch (NumberFormatException e) {
            throw new EngineException(ErrorCode.INVALID_PARAM, "--arrival takes 'all', 'half' or a positive rate in"
                    + " requests/s (e.g. 40), got '" + spec + "'");
        }
    }

    boolean needsCapacity() {
        return spec.equals(HALF);
    }

    /** A {@code half} pattern turned into a rate, given the engine's all-at-once completions/s. */
    Arrival resolve(double engineCapacity) {
        return needsCapacity() ? new Arrival(HALF, engineCapacity / 2) : this;
    }

    boolean allAtOnce() {
        return ratePerSecond == 0;
    }

    /** Waits until request {@code i} is due (measured from {@code startNs}). */
    void awaitTurn(long startNs, int i) throws InterruptedException {
        if (allAtOnce()) return;
        long due = startNs + (long) (i / ratePerSecond * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }

    String label() {
        return allAtOnce() ? "all at once" : String.format(Locale.ROOT, "open loop %.1f req/s%s", ratePerSecond,
                spec.equals(HALF) ? " (half capacity)" : "");
    }
}
