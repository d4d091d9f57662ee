package dev.invariant.monitor.topology;

/**
 * Counts for one {@link Dims} in one time window (store {@link StoreNames#WINDOWS}): throughput, latency and the
 * window's consistency (of the repeats that arrived in it, the share that reproduced an output already seen).
 */
public final class WindowStats {
    /** Upper bounds (ms) of the latency histogram's buckets; the last bucket is everything above. */
    public static final double[] LATENCY_BOUNDS_MS = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000,
            20000, 60000};

    public long completions;
    public long errors;
    public long tokens;
    public long repeats;
    public long reproduced;
    public long divergences;
    public double latencySumMs;
    public double latencyMaxMs;
    /** Meaningful when {@link #timed()} > 0; 0 in windows stored before it was kept (quantiles then just use less). */
    public double latencyMinMs;
    public long[] latencyBuckets = new long[LATENCY_BOUNDS_MS.length + 1];

    void latency(double ms) {
        if (!(ms >= 0)) return; // NaN or negative: not a timing
        latencyMinMs = timed() == 0 ? ms : Math.min(latencyMinMs, ms);
        latencySumMs += ms;
        latencyMaxMs = Math.max(latencyMaxMs, ms);
        int i = 0;
        while (i < LATENCY_BOUNDS_MS.length && ms > LATENCY_BOUNDS_MS[i]) i++;
        latencyBuckets[i]++;
    }

    public WindowStats add(WindowStats o) {
        // Before the buckets are added: an empty side's min (0) is no minimum.
        if (o.timed() > 0) latencyMinMs = timed() == 0 ? o.latencyMinMs : Math.min(latencyMinMs, o.latencyMinMs);
        completions += o.completions;
        errors += o.errors;
        tokens += o.tokens;
        repeats += o.repeats;
        reproduced += o.reproduced;
        divergences += o.divergences;
        latencySumMs += o.latencySumMs;
        latencyMaxMs = Math.max(latencyMaxMs, o.latencyMaxMs);
        for (int i = 0; i < latencyBuckets.length && i < o.latencyBuckets.length; i++) latencyBuckets[i] += o.latencyBuckets[i];
        return this;
    }

    /** Completions with a latency. */
    public long timed() {
        long n = 0;
        for (long b : latencyBuckets) n += b;
        return n;
    }

    /**
     * The latency at or below which {@code q} of them fall, estimated by interpolating linearly within the bucket
     * that holds that rank, the bucket narrowed to the window's min and max. The bucket's upper bound alone overstated
     * by up to 2.5× (414 ms reported as 500); this is off by at most the narrowed bucket's width, and exact when the
     * latencies are all alike. The buckets stay as they were, so stored windows keep their meaning and stay small.
     */
    public double latencyQuantileMs(double q) {
        long n = timed();
        if (n == 0) return 0;
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int i = 0; i < latencyBuckets.length; i++) {
            long in = latencyBuckets[i];
            if (in > 0 && seen + in >= rank) {
                double lo = Math.max(i == 0 ? 0 : LATENCY_BOUNDS_MS[i - 1], latencyMinMs);
                double hi = Math.min(i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : latencyMaxMs, latencyMaxMs);
                return lo + (hi - lo) * (rank - seen) / in;
            }
            seen += in;
        }
        return latencyMaxMs;
    }

    /** Repeats in this window that reproduced a known output ÷ repeats; 1 when there were none. */
    public double consistencyRate() {
        return repeats == 0 ? 1.0 : (double) reproduced / repeats;
    }
}
