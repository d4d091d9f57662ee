package dev.invariant.cli.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Latency, worker RSS and machine load over time: every {@code everySeconds} one line (p50/p99 of the answers of
 * that window, the RSS, the 1-minute load average) printed as progress and, when a file is named, appended to it
 * as CSV, so a long run (the soak) can be plotted. The load is recorded because the machine may be shared.
 */
final class LoadSeries {
    static final String HEADER = "phase,elapsed_s,sent,answers,window_answers,p50_ms,p99_ms,rss_mb,load1";

    private final String phase;
    private final Path csv;
    private final RssSamples rss;
    private final int everySeconds;
    private final AtomicReference<Latencies> window = new AtomicReference<>(new Latencies());
    private long nextLine;
    private long start;

    /**
     * @param csv file to append to (created with a header when new), or null
     * @param rss the worker's memory, or null when there is no worker (the bare round trip)
     */
    LoadSeries(String phase, Path csv, RssSamples rss, int everySeconds) {
        this.phase = phase;
        this.csv = csv;
        this.rss = rss;
        this.everySeconds = everySeconds;
    }

    void start(long startNanos) {
        start = startNanos;
        nextLine = startNanos + everySeconds * 1_000_000_000L;
    }

    /** A measured answer's latency, counted in the current window. */
    void add(double ms) {
        window.get().add(ms);
    }

    /** Samples the RSS (once a second) and writes the window's line when it is due. */
    void tick(long now, LongSupplier sent, Latencies all) {
        if (rss != null) rss.sampleEverySecond();
        if (now < nextLine) return;
        nextLine += everySeconds * 1_000_000_000L;
        line(now, sent, all, window.getAndSet(new Latencies()));
    }

    /** The last, partial window's line (the answers that arrived after the last send included). */
    void finish(long now, LongSupplier sent, Latencies all) {
        Latencies w = window.getAndSet(new Latencies());
        if (w.count() > 0) line(now, sent, all, w);
    }

    private void line(long now, LongSupplier sent, Latencies all, Latencies w) {
        double rssMb = rss == null ? Double.NaN : rss.lastMb();
        double load = load1();
        System.out.printf("      %5.0f s: %d sent, %d measured answers; window p50 %.2f ms, p99 %.2f ms%s,"
                        + " load %.2f%n", (now - start) / 1e9, sent.getAsLong(), all.count(),
                w.percentile(50), w.percentile(99), rss == null ? "" : String.format(", worker RSS %.0f MB", rssMb), load);
        if (csv == null) return;
        String line = String.format(java.util.Locale.ROOT, "%s,%.0f,%d,%d,%d,%.3f,%.3f,%.1f,%.2f%n", phase,
                (now - start) / 1e9, sent.getAsLong(), all.count(), w.count(), w.percentile(50), w.percentile(99),
                rssMb, load);
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
