package dev.invariant.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A process's resident memory (VmRSS of /proc/PID/status), sampled about once a second. */
final class RssSamples {
    private final Path status;
    private final List<Double> mb = new ArrayList<>();
    private long last;

    RssSamples(long pid) {
        this.status = Path.of("/proc", String.valueOf(pid), "status");
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

    /** First, highest and last sample, and every tenth in between. */
    String summary() {
        if (mb.isEmpty()) return "no samples (no /proc here)";
        var sb = new StringBuilder(String.format("first %.0f MB, max %.0f MB, last %.0f MB over %d s; series:",
                mb.getFirst(), mb.stream().mapToDouble(Double::doubleValue).max().orElse(0), mb.getLast(), mb.size()));
        int step = Math.max(1, mb.size() / 10);
        for (int i = 0; i < mb.size(); i += step) sb.append(String.format(" %.0f", mb.get(i)));
        return sb.toString();
    }
}
