package dev.invariant.cli;

import java.io.PrintStream;

/** A progress line on stderr for long work, refreshed at most twice a second, silent for work under a second. */
final class Progress {
    private final PrintStream err;
    private final String label;
    private final long start = System.nanoTime();
    private long lastPrint;
    private boolean printed;

    Progress(PrintStream err, String label) {
        this.err = err;
        this.label = label;
    }

    void update(int done, int total, long tokens) {
        long now = System.nanoTime();
        if (now - start < 1_000_000_000L || now - lastPrint < 500_000_000L) return;
        lastPrint = now;
        double s = (now - start) / 1e9;
        err.printf("\r[%s] %d/%d requests, %d tokens, %.1f tok/s, %.0fs   ", label, done, total, tokens, tokens / s, s);
        printed = true;
    }

    void done() {
        if (printed) err.println();
    }
}
