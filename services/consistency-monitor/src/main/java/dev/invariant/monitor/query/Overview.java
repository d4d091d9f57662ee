package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.Dims;
import dev.invariant.monitor.topology.Totals;
import dev.invariant.monitor.topology.WindowStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard shows, for the whole cluster: headline numbers, the breakdown by model/engine/profile/backend,
 * one point per window (throughput, latency, windowed consistency) and the newest divergences.
 *
 * @param series    one point per window, oldest first, from the first window that had completions up to the window
 *                  of {@code at}: windows without completions are points too, so idle time shows as idle
 * @param unreachable instances whose part could not be fetched (the numbers then miss their partitions)
 */
public record Overview(long at, long windowMs, Row total, List<Row> breakdown, List<Point> series,
                       List<Snapshot.DivergentFingerprint> divergences, List<String> unreachable) {

    /** All-time counts of one breakdown (or of everything, with {@code "all"} labels). */
    public record Row(String model, String engine, String profile, String backend, long completions, long errors,
                      long cancelled, long tokens, long fingerprints, long repeated, long divergent, long divergences,
                      double consistencyRate) {
        static Row of(Dims d, Totals t) {
            return new Row(d.model(), d.engine(), d.profile(), d.backend(), t.completions, t.errors, t.cancelled,
                    t.tokens, t.fingerprints, t.repeated, t.divergent, t.divergences, t.consistencyRate());
        }
    }

    /**
     * One window: rates per second over the window, latency quantiles (estimated from its histogram), consistency.
     * Latencies are null without timed completions and the consistency rate without repeats: there is no latency
     * or consistency of nothing, and a chart draws null as a gap where 0 (or 1) would be a false reading.
     */
    public record Point(long start, long completions, long errors, long tokens, double completionsPerSecond,
                        double tokensPerSecond, Double latencyMeanMs, Double latencyP50Ms, Double latencyP99Ms,
                        Double latencyMaxMs, long repeats, long reproduced, long divergences, Double consistencyRate) {
        static Point of(long start, WindowStats w, long windowMs) {
            double secs = windowMs / 1000.0;
            long timed = w.timed();
            boolean t = timed > 0;
            return new Point(start, w.completions, w.errors, w.tokens, w.completions / secs, w.tokens / secs,
                    t ? w.latencySumMs / timed : null, t ? w.latencyQuantileMs(0.5) : null,
                    t ? w.latencyQuantileMs(0.99) : null, t ? w.latencyMaxMs : null, w.repeats, w.reproduced,
                    w.divergences, w.repeats > 0 ? w.consistencyRate() : null);
        }
    }

    public static Overview of(Snapshot s, long windowMs, long now, List<String> unreachable, int maxDivergences) {
        Totals all = new Totals();
        List<Row> rows = new ArrayList<>();
        s.totals().forEach((key, t) -> {
            all.add(t);
            rows.add(Row.of(Dims.parse(key), t));
        });
        var div = s.divergent().subList(0, Math.min(maxDivergences, s.divergent().size()));
        return new Overview(now, windowMs, Row.of(new Dims("all", "all", "all", "all"), all), rows,
                series(s.windows(), windowMs, now), List.copyOf(div), List.copyOf(unreachable));
    }

    /**
     * The windows with completions, and an empty point for every window from the first of them to {@code now}'s that
     * had none. The snapshot holds only the configured history, so this is at most history ÷ window + 1 points (plus
     * any skew of another instance's clock).
     */
    static List<Point> series(Map<Long, WindowStats> windows, long windowMs, long now) {
        var byStart = new TreeMap<>(windows);
        List<Point> out = new ArrayList<>();
        byStart.forEach((start, w) -> out.add(Point.of(start, w, windowMs)));
        if (byStart.isEmpty()) return out;
        long last = Math.max(byStart.lastKey(), now - Math.floorMod(now, windowMs));
        // Window starts are multiples of the window (Kafka Streams' tumbling windows); a slot counts as covered by
        // any window starting in it, so windows of an earlier, different size do not get an empty twin.
        for (long slot = byStart.firstKey() - Math.floorMod(byStart.firstKey(), windowMs); slot <= last; slot += windowMs) {
            if (byStart.subMap(slot, slot + windowMs).isEmpty()) {
                out.add(new Point(slot, 0, 0, 0, 0, 0, null, null, null, null, 0, 0, 0, null));
            }
        }
        out.sort((a, b) -> Long.compare(a.start(), b.start()));
        return out;
    }
}
