package dev.invariant.worker.metrics;

import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.FinishReason;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.worker.engine.EngineService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics under vLLM's names (without its {@code vllm:} prefix), each labelled with
 * {@code model_name}: in Prometheus form they read {@code time_to_first_token_seconds},
 * {@code e2e_request_latency_seconds}, {@code request_queue_time_seconds}, {@code num_requests_running},
 * {@code num_requests_waiting}, {@code num_requests_held} (the two at one instant), {@code kv_cache_usage_perc},
 * {@code prompt_tokens_total}, {@code generation_tokens_total}, {@code request_success_total{finished_reason}}, {@code batch_size} (a histogram
 * of the batch sizes each request was computed in), plus {@code request_failure_total{code}} and
 * {@code requests_dead_lettered_total}.
 */
@ApplicationScoped
public class WorkerMetrics {
    private final MeterRegistry registry;
    private final Tags model;
    private final Timer ttft;
    private final Timer e2e;
    private final Timer queue;
    private final Counter promptTokens;
    private final Counter generationTokens;
    private final DistributionSummary batchSize;
    private final Counter deadLettered;
    // Registered on first use, then found here: a registry look-up builds and compares a whole meter id.
    private final Map<FinishReason, Counter> successes = new ConcurrentHashMap<>();
    private final Map<ErrorCode, Counter> failures = new ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry, EngineService engine) {
        this.registry = registry;
        this.model = Tags.of("model_name", engine.modelName());
        this.ttft = latency("time.to.first.token", "Time from consuming a request to its first generated token");
        this.e2e = latency("e2e.request.latency", "Time from consuming a request to its result");
        this.queue = latency("request.queue.time", "Time a request waited before its first engine step");
        this.promptTokens = Counter.builder("prompt.tokens").description("Prompt tokens processed")
                .tags(model).register(registry);
        this.generationTokens = Counter.builder("generation.tokens").description("Tokens generated")
                .tags(model).register(registry);
        this.batchSize = DistributionSummary.builder("batch.size")
                .description("Batch sizes (sequences per engine step) each request was computed in")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256).tags(model).register(registry);
        this.deadLettered = Counter.builder("requests.dead.lettered")
                .description("Request records that could not be read and went to the dead-letter topic")
                .tags(model).register(registry);
        var core = engine.engine();
        Gauge.builder("num.requests.running", core, c -> c.numRunning())
                .description("Requests in the engine's running batch").tags(model).register(registry);
        Gauge.builder("num.requests.waiting", core, c -> c.numWaiting())
                .description("Requests admitted and waiting for their first step").tags(model).register(registry);
        Gauge.builder("num.requests.held", core, c -> c.numHeld())
                .description("Requests in the engine, running or waiting, counted at one instant").tags(model)
                .register(registry);
        Gauge.builder("kv.cache.usage.perc", core, c -> c.kvUsage())
                .description("Fraction of KV cache blocks in use (0 to 1)").tags(model).register(registry);
    }

    /** Records a finished request; {@code beforeEngineMs} is the time it spent before reaching the engine. */
    public void finished(GenerationResult g, double beforeEngineMs) {
        var t = g.timings();
        if (g.ok()) {
            ttft.record(millis(beforeEngineMs + t.ttftMs()));
            e2e.record(millis(beforeEngineMs + t.e2eMs()));
            queue.record(millis(beforeEngineMs + t.queueMs()));
            promptTokens.increment(g.promptTokenIds().length);
            generationTokens.increment(g.tokenIds().length);
            for (int b : g.batchSizes()) batchSize.record(b);
            successes.computeIfAbsent(g.finishReason(), reason -> Counter.builder("request.success")
                    .description("Requests finished, by why they finished").tags(model)
                    .tag("finished_reason", reason.wireName()).register(registry)).increment();
        } else {
            failures.computeIfAbsent(g.error().code(), code -> Counter.builder("request.failure")
                    .description("Requests answered with an error completion, by code").tags(model)
                    .tag("code", code.name()).register(registry)).increment();
        }
    }

    public void deadLettered() {
        deadLettered.increment();
    }

    private Timer latency(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .tags(model).register(registry);
    }

    private static Duration millis(double ms) {
        return Duration.ofNanos((long) (ms * 1_000_000));
    }
}
