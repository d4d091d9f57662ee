package dev.invariant.cli;

import dev.invariant.engine.api.GenerationResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The replay's progress bar on stderr: runs done out of N and the current run's tokens, rewritten in place twice a
 * second on a terminal, a new line every ten seconds otherwise (logs, pipes); and a line per finished run with its
 * output hash, so that a replay cut short (a time limit) still says what its runs gave.
 */
final class ReplayBar implements SeedReplay.Progress {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final String label;
    private final int runs;
    private final int maxTokens;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private long lastPrint;
    private boolean printed;
    private final List<String> hashes = new ArrayList<>();

    ReplayBar(PrintStream err, String label, int runs, int maxTokens) {
        this.err = err;
        this.label = label;
        this.runs = runs;
        this.maxTokens = maxTokens;
    }

    @Override
    public void update(int runsDone, int subjectTokens) {
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

    @Override
    public void runDone(int run, GenerationResult result) {
        String hash = result.ok() ? result.outputHash() : "error " + result.error().getMessage();
        int first = hashes.indexOf(hash);
        hashes.add(hash);
        if (printed) err.println();
        printed = false;
        err.printf("[%s] run %d/%d: %d tokens, output %s (%s)%n", label, run + 1, runs,
                result.ok() ? result.tokenIds().length : 0, hash.length() > 16 ? hash.substring(0, 16) : hash,
                first < 0 ? (run == 0 ? "first" : "NEW") : "same as run " + (first + 1));
    }

    void done() {
        if (printed) err.println();
    }
}
