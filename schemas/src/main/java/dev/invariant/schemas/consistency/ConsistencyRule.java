package dev.invariant.schemas.consistency;

import dev.invariant.schemas.Completion;
import java.util.Collection;

/**
 * The one rule of consistency: <b>one fingerprint, one output hash</b>. Completions are compared by fingerprint;
 * a fingerprint answered with two distinct output hashes is a divergence. Failed completions (an error, or no
 * fingerprint or output hash) say nothing about consistency and are not compared.
 *
 * <p>Used by the consistency monitor (per fingerprint, in its state stores) and by the CLI's workload summary.
 */
public final class ConsistencyRule {

    /** What one completion means for its fingerprint, given the output hashes seen before it. */
    public enum Outcome {
        /** Not comparable: failed, or without a fingerprint or output hash. */
        NOT_COMPARED,
        /** The first completion seen for this fingerprint. */
        FIRST,
        /** A repeat that reproduced an output hash already seen for the fingerprint. */
        REPRODUCED,
        /** A repeat with an output hash never seen for the fingerprint: a divergence. */
        DIVERGED
    }

    private ConsistencyRule() {
    }

    /** Whether the completion can be compared: it succeeded and carries both a fingerprint and an output hash. */
    public static boolean comparable(Completion c) {
        return c != null && c.getError() == null && c.getFingerprint() != null && c.getOutputHash() != null;
    }

    /**
     * Judges a completion's output hash against the hashes already seen for its fingerprint.
     *
     * @param seenHashes distinct output hashes seen before for the fingerprint (empty when it is new)
     */
    public static Outcome judge(Collection<String> seenHashes, String outputHash) {
        if (outputHash == null) return Outcome.NOT_COMPARED;
        if (seenHashes.isEmpty()) return Outcome.FIRST;
        return seenHashes.contains(outputHash) ? Outcome.REPRODUCED : Outcome.DIVERGED;
    }

    /** Judges a completion against the hashes seen for its fingerprint. */
    public static Outcome judge(Collection<String> seenHashes, Completion c) {
        return comparable(c) ? judge(seenHashes, c.getOutputHash()) : Outcome.NOT_COMPARED;
    }

    /** A fingerprint with these distinct output hashes is divergent when it has more than one. */
    public static boolean divergent(Collection<String> distinctHashes) {
        return distinctHashes.size() > 1;
    }
}
