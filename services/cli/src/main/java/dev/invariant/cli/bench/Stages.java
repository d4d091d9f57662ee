package dev.invariant.cli.bench;

import dev.invariant.schemas.Timings;

/**
 * Where a completion's latency goes, from the client's round trip and the worker's own timings (which count from
 * the moment the worker consumed the record): the two broker hops and the serde at both ends (round trip minus
 * the worker's e2e_ms), waiting in the worker before the engine's first step (queue_ms, which includes the
 * tokenisation), the engine's compute (prefill_ms + decode_ms), and the worker after the last token (mapping the
 * result to a Completion and handing it to the producer: e2e_ms minus the rest).
 */
final class Stages {
    private final Latencies hops = new Latencies();
    private final Latencies queue = new Latencies();
    private final Latencies engine = new Latencies();
    private final Latencies after = new Latencies();
    private final Latencies withoutEngine = new Latencies();

    void add(double roundTripMs, Timings t) {
        double compute = t.getPrefillMs() + t.getDecodeMs();
        hops.add(roundTripMs - t.getE2eMs());
        queue.add(t.getQueueMs());
        engine.add(compute);
        after.add(t.getE2eMs() - t.getQueueMs() - compute);
        withoutEngine.add(roundTripMs - compute);
    }

    /** p50 of the round trip without the engine's compute. */
    double withoutEngineP50() {
        return withoutEngine.percentile(50);
    }

    void print() {
        row("  of which the worker's own (minus engine)", withoutEngine);
        System.out.println("  by stage (each its own percentile; they need not add up):");
        row("    broker hops + client serde (rt - e2e_ms)", hops);
        row("    worker before the first step (queue_ms)", queue);
        row("    engine compute (prefill_ms + decode_ms)", engine);
        row("    worker after the last token", after);
    }

    private static void row(String name, Latencies l) {
        System.out.printf("%-44s %8s %9.2f %9.2f%n", name, "", l.percentile(50), l.percentile(99));
    }
}
