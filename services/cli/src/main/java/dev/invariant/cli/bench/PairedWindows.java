package dev.invariant.cli.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The added latency window pair by window pair: each pair's pipeline p50 minus its bare p50, two neighbouring
 * windows under nearly the same load. How far these differences spread says how far one run's pooled figure can
 * be trusted on a shared machine.
 */
final class PairedWindows {
    private PairedWindows() {
    }

    /** Each complete pair's p50 difference (pipeline - bare), in the pairs' order; pairs missing an answer are left out. */
    static double[] differences(List<Interleaving.Window> windows) {
        Map<Integer, Interleaving.Window[]> pairs = new HashMap<>();
        for (Interleaving.Window w : windows) {
            if (w.pair < 0) continue;
            pairs.computeIfAbsent(w.pair, p -> new Interleaving.Window[2])[w.bare ? 0 : 1] = w;
        }
        return pairs.keySet().stream().sorted().map(pairs::get)
                .filter(p -> p[0] != null && p[1] != null && p[0].latencies.count() > 0 && p[1].latencies.count() > 0)
                .mapToDouble(p -> p[1].latencies.percentile(50) - p[0].latencies.percentile(50)).toArray();
    }

    static String summary(List<Interleaving.Window> windows) {
        double[] d = differences(windows);
        if (d.length == 0) return "paired windows: none (no bare window beside a pipeline window)";
        var l = new Latencies();
        for (double v : d) l.add(v);
        return String.format(Locale.ROOT, "paired windows: %d pairs; added p50 per pair (pipeline window p50 - bare"
                        + " window p50): median %.2f ms, middle half %.2f to %.2f ms, all %.2f to %.2f ms", d.length,
                l.percentile(50), l.percentile(25), l.percentile(75), l.percentile(0.01), l.percentile(100));
    }
}
