package dev.invariant.cli;

import java.io.PrintStream;

/**
 * The replay's progress bar on stderr: runs done out of N and the current run's tokens, rewritten in place twice a
 * second on a terminal, a new line every ten seconds otherwise (logs, pipes).
 */
final class ReplayBar {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final String label;
    private final int runs;
    private final int maxTokens;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long lastPrint;
    private boolean printed;

    ReplayBar(PrintStream err, String label, int runs, int maxTokens) {
        this.err = err;
        this.label = label;
        this.runs = runs;
        this.maxTokens = maxTokens;
    }

    void update(int runsDone, int subjectTokens) {
        long now = System.nanoTime();
        if (now - lastPrint < (terminal ? 500_000_000L : 10_000_000_000L)) return;
        lastPrint = now;
        double fraction = (runsDone + Math.min(1.0, subjectTokens / (double) maxTokens)) / runs;
        int filled = (int) Math.round(fraction * WIDTH);
        String line = String.format("[%s] [%s%s] run %d/%d, %d tokens, %.0fs", label, "#".repeat(filled),
                ".".repeat(WIDTH - filled), Math.min(runsDone + 1, runs), runs, subjectTokens, (now - start) / 1e9);
        if (terminal) err.print("\r" + line + "   ");
        else err.println(line);
        printed = terminal;
    }

    void done() {
        if (printed) err.println();
    }
}
