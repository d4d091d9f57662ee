package dev.invariant.worker.kafka;

import dev.invariant.engine.Engine;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.EngineService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.apache.avro.specific.SpecificRecord;
import org.jboss.logging.Logger;

/**
 * Runs the worker's per-request code on private requests before the intake takes its first record: a request
 * record decoded and validated, the engine (tokeniser, fingerprint, a prefill and a decode step, greedy and seeded
 * sampling, the output hash), the completion made and encoded. A fresh JVM interprets that code and compiles it
 * only after many calls, so without this the first few hundred requests pay for it (docs/benchmarks.md: the cold
 * worker's first 5 s answered 15 ms slower at p50 than its last). vLLM-class servers warm up the same way.
 *
 * <p>Nothing leaves the process: no record is produced, no request metric or completion counts these (they go to
 * the engine directly, not through {@code Generations}); they run before the worker reports ready, in groups of
 * eight handed to the engine together, as a poll's records are. The outputs are thrown away; what they leave in
 * the engine (prefix-cache blocks) cannot change another request's bits (docs/numerics.md: prefix caching is
 * bit-neutral).
 */
final class Warmup {
    private static final Logger LOG = Logger.getLogger(Warmup.class);
    // The schema id written in front of the warm-up records: never looked up, the reader is handed the schema.
    private static final int SCHEMA_ID = 0;
    // Requests handed to the engine together, as a poll's records are: each pass runs the per-request code this many
    // times, so more of it is compiled within the time allowed.
    private static final int GROUP = 8;
    private static final String[] WORDS = {"Once", "upon", "a", "time", "there", "was", "a", "little", "dog"};

    private Warmup() {
    }

    /**
     * Runs up to {@code settings.requests()} requests, stopping early after {@code settings.maxDuration()} or when
     * {@code go} turns false (shutdown).
     */
    static void run(EngineService engines, WorkerConfig.Warmup settings, BooleanSupplier go) {
        int n = settings.requests();
        if (n <= 0) return;
        long t0 = System.nanoTime();
        long end = t0 + settings.maxDuration().toNanos();
        var requests = new AvroWireCodec<>(InferenceRequest.class);
        var completions = new AvroWireCodec<SpecificRecord>(null);
        int done = 0;
        try {
            while (done < n && go.getAsBoolean() && System.nanoTime() < end) {
                // never more at once than the engine lets wait: a small queue would refuse the rest as OVERLOADED
                int size = Math.min(Math.min(GROUP, n - done), engines.engine().config().maxWaiting());
                var models = new ArrayList<String>(size);
                var params = new ArrayList<SamplingParams>(size);
                var submitted = new ArrayList<Engine.Submitted>(size);
                for (int i = done; i < done + size; i++) {
                    byte[] wire = requests.encode(SCHEMA_ID, request(engines, i));
                    InferenceRequest read = requests.decode(wire, id -> InferenceRequest.getClassSchema());
                    models.add(read.getModel());
                    var engineRequest = RequestMapper.toEngine(read, engines);
                    params.add(engineRequest.params());
                    submitted.add(new Engine.Submitted(engineRequest, TokenListener.NONE));
                }
                List<CompletableFuture<GenerationResult>> results = engines.engine().submitAll(submitted);
                for (int i = 0; i < size; i++) {
                    GenerationResult g = results.get(i).join();
                    if (!g.ok()) {
                        LOG.warnf("warm-up stopped after %d requests: %s", done, g.error().getMessage());
                        return;
                    }
                    completions.encode(SCHEMA_ID, CompletionMapper.toRecord(g, params.get(i), null, models.get(i), engines, 0));
                    done++;
                }
            }
        } catch (RuntimeException e) {
            // Only speed is at stake: the worker starts anyway; a real request meeting the same fault fails alone.
            LOG.warnf(e, "warm-up stopped after %d requests", done);
            return;
        }
        LOG.infof("warm-up: %d requests through the worker's code in %d ms", done,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Request i: a short prompt that differs from its neighbours', greedy or seeded, two tokens. */
    private static InferenceRequest request(EngineService engines, int i) {
        var prompt = new StringBuilder(WORDS[0]);
        for (int w = 1; w <= 2 + i % 5; w++) prompt.append(' ').append(WORDS[(i + w) % WORDS.length]);
        var sampling = Sampling.newBuilder().setMaxTokens(2).setIgnoreEos(true);
        if (i % 2 == 0) sampling.setTemperature(0f);
        else sampling.setTemperature(0.8f).setSeed((long) i);
        return InferenceRequest.newBuilder().setRequestId("warm-up-" + i).setModel(engines.modelName())
                .setPrompt(prompt.toString()).setSampling(sampling.build())
                .setNumericsProfile(Numerics.valueOf(engines.profile().wireName())).build();
    }
}
