package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.Dims;
import dev.invariant.monitor.topology.Totals;
import dev.invariant.monitor.topology.WindowStats;
import java.util.ArrayList;
import java.util.List;

/**
 * What the dashboard shows, for the whole cluster: headline numbers, the breakdown by model/engine/profile/backend,
 * one point per window (throughput, latency, windowed consistency) and the newest divergences.
 *
 * @param unreachable instances whose part could not be fetched (the numbers then miss their partitions)
 */
public record Overview(long at, long windowMs, Row total, List<Row> breakdown, List<Point> series,
                       List<Snapshot.DivergentFingerprint> divergences, List<String> unreachable) {

    /** All-time counts of one breakdown (or of everything, with {@code "all"} labels). */
    public record Row(String model, String engine, String profile, String backend, long completions, long errors,
                      long tokens, long fingerprints, long repeated, long divergent, long divergences,
                      double consistencyRate) {
        static Row of(Dims d, Totals t) {
            return new Row(d.model(), d.engine(), d.profile(), d.backend(), t.completions, t.errors, t.tokens,
                    t.fingerprints, t.repeated, t.divergent, t.divergences, t.consistencyRate());
        }
    }

    /** One window: rates per second over the window, latency quantiles (histogram bucket bounds), consistency. */
    public record Point(long start, long completions, long errors, long tokens, double completionsPerSecond,
                        double tokensPerSecond, double latencyMeanMs, double latencyP50Ms, double latencyP99Ms,
                        double latencyMaxMs, long repeats, long reproduced, long divergences, double consistencyRate) {
        static Point of(long start, WindowStats w, long windowMs) {
            double secs = windowMs / 1000.0;
            long timed = w.timed();
            return new Point(start, w.completions, w.errors, w.tokens, w.completions / secs, w.tokens / secs,
                    timed == 0 ? 0 : w.latencySumMs / timed, w.latencyQuantileMs(0.5), w.latencyQuantileMs(0.99),
                    w.latencyMaxMs, w.repeats, w.reproduced, w.divergences, w.consistencyRate());
        }
    }

    public static Overview of(Snapshot s, long windowMs, long now, List<String> unreachable, int maxDivergences) {
        Totals all = new Totals();
        List<Row> rows = new ArrayList<>();
        s.totals().forEach((key, t) -> {
            all.add(t);
            rows.add(Row.of(Dims.parse(key), t));
        });
        List<Point> series = new ArrayList<>();
        s.windows().forEach((start, w) -> series.add(Point.of(start, w, windowMs)));
        series.sort((a, b) -> Long.compare(a.start(), b.start()));
        var div = s.divergent().subList(0, Math.min(maxDivergences, s.divergent().size()));
        return new Overview(now, windowMs, Row.of(new Dims("all", "all", "all", "all"), all), rows, series,
                List.copyOf(div), List.copyOf(unreachable));
    }
}
