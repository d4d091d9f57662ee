package dev.invariant.monitor.topology;

import java.time.Duration;

/**
 * What the topology is built with (application.properties, {@code invariant.monitor.*}).
 *
 * @param completionsTopic input: {@code Completion} records
 * @param consistencyTopic output: {@code ConsistencyEvent} records, keyed by fingerprint
 * @param window           size of the tumbling windows of throughput, latency and windowed consistency
 * @param retention        how long windows are kept
 * @param contextTokens    tokens shown before and after the first difference in an event
 * @param maxStoredTokens  token ids kept per distinct output (the first difference is found within them)
 * @param maxStoredChars   characters of text kept per distinct output
 * @param fingerprintRetention how long a fingerprint (its outputs, its request ids, its divergence) is kept after it
 *                         was last seen; totals are all-time and stay
 */
public record MonitorSettings(String completionsTopic, String consistencyTopic, Duration window, Duration retention,
                              int contextTokens, int maxStoredTokens, int maxStoredChars, Duration fingerprintRetention) {

    public MonitorSettings {
        if (window.isZero() || window.isNegative()) throw new IllegalArgumentException("window must be positive");
        if (retention.compareTo(window) < 0) throw new IllegalArgumentException("retention must be at least the window");
        if (fingerprintRetention == null || fingerprintRetention.isZero() || fingerprintRetention.isNegative()) {
            throw new IllegalArgumentException("fingerprint retention must be positive");
        }
        if (contextTokens < 0 || maxStoredTokens < 1 || maxStoredChars < 1) {
            throw new IllegalArgumentException("context and stored sizes must be positive");
        }
    }

    /** How often expired fingerprints are swept: a quarter of the retention, between 1 s and 1 min. */
    public Duration sweepInterval() {
        return Duration.ofMillis(Math.clamp(fingerprintRetention.toMillis() / 4, 1_000L, 60_000L));
    }
}
