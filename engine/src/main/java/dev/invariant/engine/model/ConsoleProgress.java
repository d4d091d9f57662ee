package dev.invariant.engine.model;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A {@link ProgressListener} that prints one line per task at most twice a second, plus a final line,
 * e.g. {@code download model.safetensors: 42% (415.2 of 988.1 MB)}. For command-line tools (stderr).
 */
public final class ConsoleProgress implements ProgressListener {
    private static final long INTERVAL_NANOS = 500_000_000L;
    private final PrintStream out;
    private String lastTask;
    private long lastPrint;

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void progress(String task, long done, long total) {
        long now = System.nanoTime();
        boolean finished = total >= 0 && done >= total;
        if (task.equals(lastTask) && !finished && now - lastPrint < INTERVAL_NANOS) return;
        if (task.equals(lastTask) && finished && lastPrint == Long.MIN_VALUE) return; // already printed its end
        lastTask = task;
        lastPrint = finished ? Long.MIN_VALUE : now;
        out.println(total > 0
                ? String.format(Locale.ROOT, "%s: %d%% (%.1f of %.1f MB)", task, done * 100 / total, done / 1e6, total / 1e6)
                : String.format(Locale.ROOT, "%s: %.1f MB", task, done / 1e6));
    }
}
