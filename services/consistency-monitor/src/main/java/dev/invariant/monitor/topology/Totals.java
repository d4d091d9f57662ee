package dev.invariant.monitor.topology;

/**
 * All-time counts for one {@link Dims} (store {@link StoreNames#TOTALS}, one entry per breakdown per partition;
 * readers sum them). Fingerprint counts are kept under the breakdown of each fingerprint's first completion;
 * {@link #divergences} under the breakdown of the completion that brought the new output.
 */
public final class Totals {
    public long completions;
    public long errors;
    /** Error completions of requests their client abandoned (code CANCELLED): no failure, so not among errors. */
    public long cancelled;
    public long tokens;
    /** Distinct fingerprints. */
    public long fingerprints;
    /** Fingerprints seen at least twice. */
    public long repeated;
    /** Fingerprints with two or more distinct output hashes. */
    public long divergent;
    /** Completions whose output hash was new for a fingerprint already seen (every one is an event). */
    public long divergences;

    public Totals add(Totals o) {
        completions += o.completions;
        errors += o.errors;
        cancelled += o.cancelled;
        tokens += o.tokens;
        fingerprints += o.fingerprints;
        repeated += o.repeated;
        divergent += o.divergent;
        divergences += o.divergences;
        return this;
    }

    /** Fingerprints seen at least twice with one output hash ÷ fingerprints seen at least twice; 1 when none. */
    public double consistencyRate() {
        return repeated == 0 ? 1.0 : (double) (repeated - divergent) / repeated;
    }
}
