package dev.invariant.schemas.consistency;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.consistency.ConsistencyRule.Outcome;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** In-memory application of {@link ConsistencyRule} to a set of completions (a workload, a file, a test). */
public final class OutputsByFingerprint {
    private final Map<String, Set<String>> hashes = new HashMap<>();
    private final Map<String, Integer> counts = new HashMap<>();

    /** Records a completion and returns what it meant for its fingerprint. */
    public Outcome add(Completion c) {
        if (!ConsistencyRule.comparable(c)) return Outcome.NOT_COMPARED;
        Set<String> seen = hashes.computeIfAbsent(c.getFingerprint(), k -> new LinkedHashSet<>());
        Outcome outcome = ConsistencyRule.judge(seen, c);
        seen.add(c.getOutputHash());
        counts.merge(c.getFingerprint(), 1, Integer::sum);
        return outcome;
    }

    /** Distinct fingerprints among the comparable completions. */
    public int fingerprints() {
        return hashes.size();
    }

    /** Fingerprints seen more than once. */
    public long repeated() {
        return counts.values().stream().filter(n -> n > 1).count();
    }

    /** The most completions any one fingerprint had. */
    public int maxRepeats() {
        return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    /** Fingerprints answered with two or more distinct output hashes. */
    public long divergent() {
        return hashes.values().stream().filter(ConsistencyRule::divergent).count();
    }

    /** Fingerprints seen at least twice with one output hash ÷ all fingerprints seen at least twice (1 when none). */
    public double consistencyRate() {
        long repeated = repeated();
        return repeated == 0 ? 1.0 : (double) (repeated - divergent()) / repeated;
    }
}
