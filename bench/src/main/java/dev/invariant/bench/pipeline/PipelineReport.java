package dev.invariant.bench.pipeline;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** Markdown tables of a run: every trial (raw numbers), then per load shape both sides, best and spread. */
final class PipelineReport {
    private PipelineReport() {
    }

    static void raw(List<Trial> trials, PrintStream out) {
        out.println("| load | repeat | side | completions/s | p50 ms | p99 ms | wall s | inbound p50 ms | worker p50 ms | outbound p50 ms | CPU s bench JVM | CPU s worker |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Trial t : trials) {
            out.println(String.format(Locale.ROOT, "| %s | %d | %s | %.1f | %.1f | %.1f | %.2f | %s | %s | %s | %.2f | %.2f |",
                    t.arrival().label(), t.repeat(), t.side(), t.completionsPerSecond(), t.p50Ms(), t.p99Ms(),
                    t.wallNs() / 1e9, ms(t.breakdownMedianMs(0)), ms(t.breakdownMedianMs(1)), ms(t.breakdownMedianMs(2)),
                    t.benchCpuS(), t.workerCpuS()));
        }
    }

    /** Best = highest completions/s and lowest p50/p99 over the repeats; spread = min–max. */
    static void summary(List<Trial> trials, PrintStream out) {
        out.println("| load | side | completions/s best (spread) | p50 ms best (spread) | p99 ms best (spread) |");
        out.println("|---|---|---|---|---|");
        List<Arrival> shapes = trials.stream().map(Trial::arrival).distinct().toList();
        for (Arrival a : shapes) {
            for (String side : List.of(DirectSide.NAME, KafkaSide.NAME)) {
                List<Trial> ts = of(trials, a, side);
                out.println(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |", a.label(), side,
                        spread(ts, Trial::completionsPerSecond, true), spread(ts, Trial::p50Ms, false),
                        spread(ts, Trial::p99Ms, false)));
            }
        }
        out.println();
        out.println("| load | kafka/engine throughput (best/best) | added p50 ms (best/best) | added p99 ms (best/best) |");
        out.println("|---|---|---|---|");
        for (Arrival a : shapes) {
            List<Trial> e = of(trials, a, DirectSide.NAME);
            List<Trial> k = of(trials, a, KafkaSide.NAME);
            out.println(String.format(Locale.ROOT, "| %s | %.1f %% | %+.1f | %+.1f |", a.label(),
                    100 * best(k, Trial::completionsPerSecond, true) / best(e, Trial::completionsPerSecond, true),
                    best(k, Trial::p50Ms, false) - best(e, Trial::p50Ms, false),
                    best(k, Trial::p99Ms, false) - best(e, Trial::p99Ms, false)));
        }
    }

    static List<Trial> of(List<Trial> trials, Arrival a, String side) {
        return trials.stream().filter(t -> t.arrival().equals(a) && t.side().equals(side)).toList();
    }

    static double best(List<Trial> ts, ToDoubleFunction<Trial> f, boolean higherIsBetter) {
        var s = ts.stream().mapToDouble(f).summaryStatistics();
        return higherIsBetter ? s.getMax() : s.getMin();
    }

    private static String spread(List<Trial> ts, ToDoubleFunction<Trial> f, boolean higherIsBetter) {
        double[] v = ts.stream().mapToDouble(f).sorted().toArray();
        return String.format(Locale.ROOT, "%.1f (%.1f–%.1f)", higherIsBetter ? v[v.length - 1] : v[0], v[0],
                v[v.length - 1]);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** One line per request of every trial: what the summary is computed from. */
    static void csv(List<Trial> trials, java.nio.file.Path file) throws java.io.IOException {
        var lines = new java.util.ArrayList<String>();
        lines.add("side,arrival,repeat,index,latency_ms,inbound_ms,worker_ms,outbound_ms");
        for (Trial t : trials) {
            for (int i = 0; i < t.latencyNs().length; i++) {
                double[] b = t.breakdownMs() == null ? null : t.breakdownMs()[i];
                lines.add(String.format(Locale.ROOT, "%s,%s,%d,%d,%.3f,%s", t.side(), t.arrival().label(), t.repeat(), i,
                        t.latencyNs()[i] / 1e6, b == null ? ",," : String.format(Locale.ROOT, "%.1f,%.1f,%.1f", b[0], b[1], b[2])));
            }
        }
        java.nio.file.Files.write(file, lines);
    }

    /** Whether every trial produced the same output hash for the same request index as the first trial. */
    static boolean sameOutputs(List<Trial> trials) {
        String[] first = trials.getFirst().outputHash();
        return trials.stream().allMatch(t -> Arrays.equals(t.outputHash(), first));
    }
}
