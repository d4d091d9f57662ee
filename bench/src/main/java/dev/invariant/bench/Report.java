package dev.invariant.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summarises decode measurements as Markdown: per configuration the best rate, the spread (worst/best) and every
 * raw value; the ratios our engine / Jlama and portable / naive (best against best); and each best rate as a
 * fraction of the roofline {@code batch × bandwidth ÷ weight bytes per step}, with the best copy bandwidth (as
 * specified) and the best pure-read bandwidth (what decoding does; a copy also writes).
 */
record Report(String preset, int threads, List<Model> models, List<BandwidthProbe.Result> bandwidth,
              List<BandwidthProbe.Result> readBandwidth, List<DecodeResult> results) {

    /** @param stepBytes weight bytes one decode step reads */
    record Model(String dtype, Path folder, long stepBytes) {
    }

    double bestBandwidth() {
        return bestProbe(bandwidth);
    }

    private static double bestProbe(List<BandwidthProbe.Result> probes) {
        return probes.stream().mapToDouble(BandwidthProbe.Result::bytesPerSecond).max().orElseThrow();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        double bw = bestBandwidth();
        sb.append(String.format(Locale.ROOT, "MemorySegment.copy bandwidth, %d threads: %s GB/s (best of each probe; best %.2f used)%n%n",
                threads, String.join(", ", bandwidth.stream().map(b -> fmt(b.bytesPerSecond() / 1e9)).toList()), bw / 1e9));
        double rbw = bestProbe(readBandwidth);
        sb.append(String.format(Locale.ROOT, "MemorySegment vector read bandwidth, %d threads: %s GB/s (best %.2f used)%n%n",
                threads, String.join(", ", readBandwidth.stream().map(b -> fmt(b.bytesPerSecond() / 1e9)).toList()), rbw / 1e9));
        sb.append("| dtype | batch | engine | best tok/s | worst/best | raw tok/s | copy roofline tok/s | of it | read roofline tok/s | of it |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
        Map<String, List<DecodeResult>> groups = new LinkedHashMap<>();
        for (DecodeResult r : results) groups.computeIfAbsent(key(r.dtype(), r.batch(), r.engine()), k -> new ArrayList<>()).add(r);
        for (List<DecodeResult> g : groups.values()) {
            DecodeResult first = g.getFirst();
            double best = best(g);
            double worst = g.stream().mapToDouble(DecodeResult::tokensPerSecond).min().orElseThrow();
            double roof = roofline(first.dtype(), first.batch(), bw);
            double rroof = roofline(first.dtype(), first.batch(), rbw);
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s%% | %s | %s%% |%n", first.dtype(),
                    first.batch(), first.engine(), fmt(best), fmt(worst / best),
                    String.join(" ", g.stream().map(r -> fmt(r.tokensPerSecond())).toList()), fmt(roof), fmt(100 * best / roof),
                    fmt(rroof), fmt(100 * best / rroof)));
        }
        sb.append("\n| dtype | batch | portable / jlama | portable / naive |\n|---|---|---|---|\n");
        for (Model m : models) {
            for (int batch : results.stream().mapToInt(DecodeResult::batch).distinct().sorted().toArray()) {
                double portable = best(groups.get(key(m.dtype(), batch, "invariant-portable")));
                double jlama = best(groups.get(key(m.dtype(), batch, "jlama")));
                double naive = best(groups.get(key(m.dtype(), batch, "invariant-naive")));
                sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", m.dtype(), batch,
                        ratio(portable, jlama), ratio(portable, naive)));
            }
        }
        sb.append("\nWeight bytes per decode step: ");
        sb.append(String.join(", ", models.stream().map(m -> m.dtype() + " " + m.stepBytes()).toList())).append('\n');
        return sb.toString();
    }

    private double roofline(String dtype, int batch, double bw) {
        long bytes = models.stream().filter(m -> m.dtype().equals(dtype)).findFirst().orElseThrow().stepBytes();
        return batch * bw / bytes;
    }

    private static String key(String dtype, int batch, String engine) {
        return dtype + "/" + batch + "/" + engine;
    }

    private static double best(List<DecodeResult> g) {
        return g == null ? Double.NaN : g.stream().mapToDouble(DecodeResult::tokensPerSecond).max().orElseThrow();
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "n/a" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }
}
