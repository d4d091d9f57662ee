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
 */
public record MonitorSettings(String completionsTopic, String consistencyTopic, Duration window, Duration retention,
                              int contextTokens, int maxStoredTokens, int maxStoredChars) {

    public MonitorSettings {
        if (window.isZero() || window.isNegative()) throw new IllegalArgumentException("window must be positive");
        if (retention.compareTo(window) < 0) throw new IllegalArgumentException("retention must be at least the window");
        if (contextTokens < 0 || maxStoredTokens < 1 || maxStoredChars < 1) {
            throw new IllegalArgumentException("context and stored sizes must be positive");
        }
    }
}
