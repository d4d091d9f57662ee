package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.Totals;
import dev.invariant.monitor.topology.WindowStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The aggregates one instance holds (its partitions), in a form that adds up: the cluster view is the sum of
 * every instance's snapshot.
 *
 * @param totals     all-time totals by breakdown key
 * @param windows    window start (epoch ms) → that window's stats, all breakdowns together
 * @param divergent  the divergent fingerprints, newest first
 */
public record Snapshot(Map<String, Totals> totals, Map<Long, WindowStats> windows, List<DivergentFingerprint> divergent) {

    /** A fingerprint with two or more outputs, for the divergences list. */
    public record DivergentFingerprint(String fingerprint, String model, String profile, long detectedAt,
                                       int distinctOutputs, long completions) {
    }

    public static Snapshot empty() {
        return new Snapshot(new TreeMap<>(), new TreeMap<>(), new ArrayList<>());
    }

    /** Adds another instance's snapshot into this one (this one must be mutable, as {@link #empty()} is). */
    public Snapshot merge(Snapshot o) {
        o.totals.forEach((k, v) -> totals.merge(k, copy(v), Totals::add));
        o.windows.forEach((k, v) -> windows.merge(k, new WindowStats().add(v), WindowStats::add));
        divergent.addAll(o.divergent);
        divergent.sort((a, b) -> Long.compare(b.detectedAt(), a.detectedAt()));
        return this;
    }

    private static Totals copy(Totals t) {
        return new Totals().add(t);
    }
}
