package dev.invariant.bench.pipeline;

import java.util.Arrays;

/**
 * One measured pass of a workload on one side.
 *
 * @param side        {@code engine} (called directly) or {@code kafka} (through the pipeline)
 * @param wallNs      first request sent to last completion received
 * @param latencyNs   per request: sent to its completion received, in request order
 * @param outputHash  per request, in request order: proves both sides computed the same outputs
 * @param breakdownMs for the Kafka side, per request: {inbound, worker, outbound} ms (see {@link KafkaSide}); else null
 * @param benchCpuS   CPU seconds of this JVM during the trial (direct engine; broker and Kafka client); NaN if unmeasured
 * @param workerCpuS  CPU seconds of the worker process during the trial; NaN if unmeasured
 */
record Trial(String side, Arrival arrival, int repeat, long wallNs, long[] latencyNs, String[] outputHash,
             long generatedTokens, double[][] breakdownMs, double benchCpuS, double workerCpuS) {

    Trial(String side, Arrival arrival, int repeat, long wallNs, long[] latencyNs, String[] outputHash,
          long generatedTokens, double[][] breakdownMs) {
        this(side, arrival, repeat, wallNs, latencyNs, outputHash, generatedTokens, breakdownMs, Double.NaN, Double.NaN);
    }

    Trial withCpu(double bench, double worker) {
        return new Trial(side, arrival, repeat, wallNs, latencyNs, outputHash, generatedTokens, breakdownMs, bench, worker);
    }

    double completionsPerSecond() {
        return latencyNs.length / (wallNs / 1e9);
    }

    double p50Ms() {
        return percentileMs(0.50);
    }

    double p99Ms() {
        return percentileMs(0.99);
    }

    /** Nearest-rank percentile. */
    double percentileMs(double q) {
        long[] s = latencyNs.clone();
        Arrays.sort(s);
        int rank = (int) Math.ceil(q * s.length);
        return s[Math.max(0, rank - 1)] / 1e6;
    }

    /** Median of one breakdown column (0 inbound, 1 worker, 2 outbound), or NaN when there is none. */
    double breakdownMedianMs(int column) {
        if (breakdownMs == null) return Double.NaN;
        double[] v = Arrays.stream(breakdownMs).mapToDouble(b -> b[column]).sorted().toArray();
        return v[v.length / 2];
    }
}
