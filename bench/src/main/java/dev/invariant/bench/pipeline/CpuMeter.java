package dev.invariant.bench.pipeline;

import java.time.Duration;

/**
 * CPU time used by this JVM (the direct engine, and for side B the embedded broker and the client) and by the
 * worker process during one trial: on a small machine what Kafka costs in CPU is taken from the engine.
 */
final class CpuMeter {
    private final ProcessHandle worker;
    private long benchStart;
    private long workerStart;

    CpuMeter(long workerPid) {
        this.worker = ProcessHandle.of(workerPid).orElseThrow();
    }

    void start() {
        benchStart = cpuNs(ProcessHandle.current());
        workerStart = cpuNs(worker);
    }

    /** The trial with the CPU seconds used since {@link #start()}. */
    Trial stop(Trial t) {
        return t.withCpu((cpuNs(ProcessHandle.current()) - benchStart) / 1e9, (cpuNs(worker) - workerStart) / 1e9);
    }

    private static long cpuNs(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
}
