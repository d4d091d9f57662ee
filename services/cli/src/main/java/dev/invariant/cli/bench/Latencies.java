package dev.invariant.cli.bench;

import java.util.Arrays;

/** Latency samples in milliseconds and their percentiles (nearest rank). */
public final class Latencies {
    private double[] values = new double[1024];
    private int n;

    public synchronized void add(double ms) {
        if (n == values.length) values = Arrays.copyOf(values, n * 2);
        values[n++] = ms;
    }

    public synchronized int count() {
        return n;
    }

    /** The {@code p}-th percentile (0 < p ≤ 100); NaN without samples. */
    public synchronized double percentile(double p) {
        if (n == 0) return Double.NaN;
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }
}
