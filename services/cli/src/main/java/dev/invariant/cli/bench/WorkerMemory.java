package dev.invariant.cli.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker's memory: its resident set (VmRSS of /proc/PID/status), sampled about once a second, and on demand its
 * live heap, the old generation left after the last major collection ({@code jvm_gc_live_data_size_bytes} of its
 * {@code /q/metrics}). RSS says what the process holds; only the live heap says whether something accumulates, as a
 * collector may fill untouched pages for a long while before its first major collection (docs/benchmarks.md, the soak).
 */
final class WorkerMemory {
    static final String LIVE_METRIC = "jvm_gc_live_data_size_bytes";

    private final Path status;
    private final URI metrics;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Double> mb = new ArrayList<>();
    private final List<Double> live = new ArrayList<>();
    private long last;

    /** @param baseUrl the worker's HTTP root, for its metrics */
    WorkerMemory(long pid, String baseUrl) {
        this.status = Path.of("/proc", String.valueOf(pid), "status");
        this.metrics = URI.create(baseUrl + "/q/metrics");
    }

    void sampleEverySecond() {
        if (System.nanoTime() - last < 1_000_000_000L) return;
        last = System.nanoTime();
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) mb.add(Long.parseLong(line.replaceAll("\\D", "")) / 1024.0);
            }
        } catch (IOException | NumberFormatException e) {
            // the process is gone or /proc is not there: no sample
        }
    }

    double lastMb() {
        return mb.isEmpty() ? Double.NaN : mb.getLast();
    }

    /**
     * Scrapes the live heap now, in MB: NaN where the metrics cannot be read, 0 before the first major collection.
     * Once per window: the scrape costs the worker a little work, as a Prometheus scrape does.
     */
    double liveMb() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            double v = r.statusCode() == 200 ? parse(r.body()) : Double.NaN;
            if (!Double.isNaN(v)) live.add(v);
            return v;
        } catch (IOException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** The live-heap gauge of a Prometheus text exposition, in MB; NaN where it is absent. */
    static double parse(String exposition) {
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(LIVE_METRIC + " ") && !line.startsWith(LIVE_METRIC + "{")) continue;
            try {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) / (1024.0 * 1024.0);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }

    /** First, highest and last RSS sample and every tenth in between; the live heap's first and last scrape. */
    String summary() {
        if (mb.isEmpty()) return "no samples (no /proc here)";
        var sb = new StringBuilder(String.format("RSS first %.0f MB, max %.0f MB, last %.0f MB over %d s; series:",
                mb.getFirst(), mb.stream().mapToDouble(Double::doubleValue).max().orElse(0), mb.getLast(), mb.size()));
        int step = Math.max(1, mb.size() / 10);
        for (int i = 0; i < mb.size(); i += step) sb.append(String.format(" %.0f", mb.get(i)));
        sb.append(live.isEmpty() ? "; live heap not read (no /q/metrics)"
                : String.format("; live heap after the last major GC %.1f MB at the first window, %.1f MB at the last"
                        + " (0: none yet)", live.getFirst(), live.getLast()));
        return sb.toString();
    }
}
