package dev.invariant.cli;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.consistency.OutputsByFingerprint;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a workload produced: counts, and for every fingerprint the distinct output hashes it was answered with
 * (the consistency monitor's rule, {@link dev.invariant.schemas.consistency.ConsistencyRule}).
 */
final class Summary {
    private int sent;
    private int completions;
    private int errors;
    private long tokens;
    private double seconds;
    private final OutputsByFingerprint outputs = new OutputsByFingerprint();
    private final List<Double> latencies = new ArrayList<>();

    void add(int sentInPhase, List<Completion> got, double phaseSeconds) {
        sent += sentInPhase;
        completions += got.size();
        seconds += phaseSeconds;
        for (Completion c : got) {
            if (c.getError() != null) {
                errors++;
                continue;
            }
            tokens += c.getTokenIds().size();
            latencies.add(c.getTimings().getE2eMs());
            outputs.add(c);
        }
    }

    int completions() {
        return completions;
    }

    int sent() {
        return sent;
    }

    int errors() {
        return errors;
    }

    /** One line of the per-profile table: requests, fingerprints asked more than once, those with 2+ outputs. */
    void printRow(PrintStream out, String label) {
        out.printf("    %-28s %8d  %21d  %15d%n", label, sent, outputs.repeated(), divergentFingerprints());
    }

    long divergentFingerprints() {
        return outputs.divergent();
    }

    /** Every request got exactly one completion, none failed, and no fingerprint has two output hashes. */
    boolean consistent() {
        return completions == sent && errors == 0 && divergentFingerprints() == 0;
    }

    /** @param scope which requests the figures cover when there were others (null: all of them) */
    void print(PrintStream out, String scope) {
        long repeated = outputs.repeated();
        int maxRepeats = outputs.maxRepeats();
        List<Double> sorted = latencies.stream().sorted().toList();
        double p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
        double p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
        out.println();
        out.println("  summary" + (scope == null ? "" : " — " + scope));
        out.printf("    requests sent                    %d%n", sent);
        out.printf("    completions received             %d (errors: %d)%n", completions, errors);
        out.printf("    distinct fingerprints            %d (%d asked more than once, up to %d times)%n",
                outputs.fingerprints(), repeated, maxRepeats);
        out.printf("    fingerprints with 2+ outputs     %d%s%n", divergentFingerprints(),
                divergentFingerprints() == 0 ? "   (every repeat reproduced its output to the bit)" : "   DIVERGENCE");
        out.printf("    generated tokens                 %d in %.1f s (%.1f tokens/s through Kafka)%n", tokens, seconds,
                tokens / Math.max(seconds, 1e-9));
        out.printf("    end-to-end latency p50 / p99     %.0f ms / %.0f ms%n", p50, p99);
        out.println("    result                           " + (consistent() ? "CONSISTENT" : "NOT CONSISTENT"));
        out.println();
    }
}
