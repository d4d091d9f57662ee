package dev.invariant.cli;

import java.io.PrintStream;

/**
 * Progress of long work on stderr, silent for work under a second: one line rewritten in place on a terminal
 * (twice a second), a new line every five seconds otherwise (logs, pipes).
 */
class Progress {
    /** Reports nothing: for callers that print each result themselves. */
    static final Progress NONE = new Progress(null, "") {
        @Override
        void update(int done, int total, long tokens) {
        }

        @Override
        void done() {
        }
    };

    private final PrintStream err;
    private final String label;
    private final boolean sending; // requests sent, not answered: no tokens to count
    private final long start = System.nanoTime();
    private long lastPrint;
    private boolean printed;
    private final boolean terminal = System.console() != null;

    Progress(PrintStream err, String label) {
        this(err, label, false);
    }

    private Progress(PrintStream err, String label, boolean sending) {
        this.err = err;
        this.label = label;
        this.sending = sending;
    }

    /** Progress of requests handed to Kafka: "3/10 requests sent". */
    static Progress sending(PrintStream err, String label) {
        return new Progress(err, label, true);
    }

    void update(int done, int total, long tokens) {
        long now = System.nanoTime();
        long every = terminal ? 500_000_000L : 5_000_000_000L;
        if (now - start < 1_000_000_000L || now - lastPrint < every) return;
        lastPrint = now;
        double s = (now - start) / 1e9;
        String line = sending ? String.format("[%s] %d/%d requests sent, %.0fs", label, done, total, s)
                : String.format("[%s] %d/%d requests done, %d tokens, %.1f tok/s, %.0fs", label, done, total, tokens,
                        tokens / s, s);
        if (terminal) err.print("\r" + line + "   ");
        else err.println(line);
        printed = terminal;
    }

    void done() {
        if (printed) err.println();
    }
}
