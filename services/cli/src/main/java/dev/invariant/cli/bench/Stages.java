package dev.invariant.cli.bench;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Timings;

/**
 * Where a completion's latency goes. The worker's timings count from the moment it consumed the record, its
 * {@code created_at} is when the engine's result became a Completion, and the completion record's timestamp is when
 * the worker's producer took it (send()); with the client's send and receive times (all on one machine's clock,
 * the wall-clock ones in whole milliseconds) these split the round trip into: inbound (client send → the worker
 * has the record: one broker hop, the connector's poll and hand-off), waiting before the engine's first step
 * (queue_ms: admission and tokenisation), the engine's compute (prefill_ms + decode_ms), publishing (the Completion
 * made → the producer has it: encoding and the worker's publishing threads) and outbound (producer → broker →
 * client consumer). Without wall clocks, to the microsecond: the worker's {@code e2e_ms} (it has the record → the
 * engine is done with it) and the rest of the round trip (the two hops with the clients around them, comparable
 * with the bare round trip, and the completion's encoding and send).
 */
final class Stages {
    private final Latencies inbound = new Latencies();
    private final Latencies queue = new Latencies();
    private final Latencies engine = new Latencies();
    private final Latencies publish = new Latencies();
    private final Latencies outbound = new Latencies();
    private final Latencies withoutEngine = new Latencies();
    private final Latencies worker = new Latencies();
    private final Latencies hops = new Latencies();

    /**
     * @param roundTripMs   client send → client receive
     * @param receivedAtMs  wall clock when the client received it
     * @param recordTimeMs  the completion record's timestamp (set by the worker's producer)
     */
    void add(double roundTripMs, long receivedAtMs, long recordTimeMs, Completion c) {
        Timings t = c.getTimings();
        double compute = t.getPrefillMs() + t.getDecodeMs();
        long createdAt = c.getCreatedAt().toEpochMilli();
        inbound.add(createdAt - t.getE2eMs() - (receivedAtMs - roundTripMs));
        queue.add(t.getQueueMs());
        engine.add(compute);
        publish.add(recordTimeMs - createdAt);
        outbound.add(receivedAtMs - recordTimeMs);
        withoutEngine.add(roundTripMs - compute);
        worker.add(t.getE2eMs());
        hops.add(roundTripMs - t.getE2eMs());
    }

    /** p50 of the round trip without the engine's compute. */
    double withoutEngineP50() {
        return withoutEngine.percentile(50);
    }

    /** p50 of the round trip without the worker's own e2e_ms: the two broker hops and the clients around them. */
    double hopsP50() {
        return hops.percentile(50);
    }

    void print() {
        row("  the same minus the engine's compute", withoutEngine);
        row("  the same minus the worker's e2e_ms (hops)", hops);
        row("  the worker's e2e_ms (has the record -> done)", worker);
        System.out.println("  by stage (each its own percentile: they need not add up; wall-clock ones +-1 ms):");
        row("    inbound: send -> worker has the record", inbound);
        row("    worker before the first step (queue_ms)", queue);
        row("    engine compute (prefill_ms + decode_ms)", engine);
        row("    publishing: Completion -> producer", publish);
        row("    outbound: producer -> client", outbound);
    }

    private static void row(String name, Latencies l) {
        System.out.printf("%-44s %8s %9.2f %9.2f%n", name, "", l.percentile(50), l.percentile(99));
    }
}
