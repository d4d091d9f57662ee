package dev.invariant.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Latency, worker memory and machine load over time: one line per measured window (p50/p99 of the answers to that
 * window's sends, the worker's RSS, the 1-minute load average and the worker's live heap at its end), printed as
 * progress and, when a file is named, appended to it as CSV, so a long run (the soak) can be plotted. The load is
 * recorded because the machine may be shared.
 */
final class LoadSeries {
    static final String HEADER = "phase,elapsed_s,sent,answers,window_answers,p50_ms,p99_ms,rss_mb,load1,live_mb";

    private final Path csv;
    // Per phase (bare, pipeline): sends and answers of the windows written so far.
    private final long[] sent = new long[2];
    private final long[] answers = new long[2];

    /** @param csv file to append to (created with a header when new), or null */
    LoadSeries(Path csv) {
        this.csv = csv;
    }

    /** Writes a window's line; windows of one phase come in order. */
    void window(Interleaving.Window w, long measuredStart) {
        int phase = w.bare ? 0 : 1;
        sent[phase] += w.sent;
        answers[phase] += w.latencies.count();
        String name = w.bare ? "bare" : "pipeline";
        double elapsed = (w.end - measuredStart) / 1e9;
        System.out.printf("      %5.0f s %-8s %d sent, %d answers; window p50 %.2f ms, p99 %.2f ms%s%s, load %.2f%n",
                elapsed, name, sent[phase], answers[phase], w.latencies.percentile(50), w.latencies.percentile(99),
                Double.isNaN(w.rssMb) ? "" : String.format(", worker RSS %.0f MB", w.rssMb),
                Double.isNaN(w.liveMb) ? "" : String.format(", live heap %.1f MB", w.liveMb), w.load);
        if (csv == null) return;
        String line = String.format(java.util.Locale.ROOT, "%s,%.0f,%d,%d,%d,%.3f,%.3f,%.1f,%.2f,%.1f%n", name,
                elapsed, sent[phase], answers[phase], w.latencies.count(), w.latencies.percentile(50),
                w.latencies.percentile(99), w.rssMb, w.load, w.liveMb);
        try {
            if (!Files.exists(csv)) Files.writeString(csv, HEADER + "\n");
            Files.writeString(csv, line, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the series to " + csv, e);
        }
    }

    /** The 1-minute load average of the machine, NaN where /proc/loadavg is not there. */
    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
