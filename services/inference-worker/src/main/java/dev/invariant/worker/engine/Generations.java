package dev.invariant.worker.engine;

import dev.invariant.engine.Engine;
import dev.invariant.engine.EngineException;
import dev.invariant.engine.api.GenerationResult;
import dev.invariant.engine.api.Prompt;
import dev.invariant.engine.sample.SamplingParams;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Runs requests on the engine for both front doors (Kafka and HTTP) and records their metrics ({@link #account},
 * called once a completion is handed on, so the metrics are not on a request's path). Prompt and completion text
 * reach the log only with {@code invariant.log.texts=true} (a debugging switch): they may be private.
 */
@ApplicationScoped
public class Generations {
    private static final Logger LOG = Logger.getLogger(Generations.class);
    private final EngineService engines;
    private final WorkerMetrics metrics;
    private final boolean logTexts;

    /**
     * A request's result and the time it spent in the worker before reaching the engine.
     */
    /**
     * @param params the request's sampling parameters as the engine ran them; null when it never reached the engine
     * @param prompt the request's prompt (its tool choice says how to read calls from the text); null likewise
     */
    public record Finished(GenerationResult result, double beforeEngineMs, SamplingParams params, Prompt prompt) {
    }

    public Generations(EngineService engines, WorkerMetrics metrics, WorkerConfig config) {
        this.engines = engines;
        this.metrics = metrics;
        this.logTexts = config.log().texts();
    }

    /** A request for {@link #runAll}, with the listener of its tokens and when the worker received it. */
    public record Run(Request request, TokenListener listener, long arrivedNanos) {
    }

    /**
     * Submits {@code r}; the caller holds an admission permit. The future completes on the engine thread.
     *
     * @param arrivedNanos {@link System#nanoTime()} when the worker received the request
     */
    public CompletableFuture<Finished> run(Request r, TokenListener listener, long arrivedNanos) {
        double before = beforeEngine(r, arrivedNanos);
        return finished(r, before, engines.engine().submit(r, listener));
    }

    /**
     * Submits requests together ({@link Engine#submitAllAndStep}): they start in the same engine step, which the
     * calling thread runs itself when the engine is idle. The caller holds a permit for each; the futures come back
     * in order and complete on the thread that runs their last step (already complete when that was this one).
     */
    public List<CompletableFuture<Finished>> runAll(List<Run> runs) {
        var before = new double[runs.size()];
        var submitted = new ArrayList<Engine.Submitted>(runs.size());
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            before[i] = beforeEngine(run.request(), run.arrivedNanos());
            submitted.add(new Engine.Submitted(run.request(), run.listener()));
        }
        List<CompletableFuture<GenerationResult>> results = engines.engine().submitAllAndStep(submitted);
        var out = new ArrayList<CompletableFuture<Finished>>(runs.size());
        for (int i = 0; i < runs.size(); i++) out.add(finished(runs.get(i).request(), before[i], results.get(i)));
        return out;
    }

    private double beforeEngine(Request r, long arrivedNanos) {
        double before = (System.nanoTime() - arrivedNanos) / 1e6;
        if (logTexts) LOG.infof("request %s prompt: %s", r.requestId(), r.prompt());
        return before;
    }

    /**
     * The engine's result as a {@link Finished}; cancelling the returned future cancels the engine's, which drops the
     * request ({@link Engine#submit}).
     */
    private CompletableFuture<Finished> finished(Request r, double before, CompletableFuture<GenerationResult> result) {
        CompletableFuture<Finished> f = result.thenApply(g -> {
            if (logTexts) LOG.infof("request %s completion: %s", r.requestId(), g.text());
            return new Finished(g, before, r.params(), r.prompt());
        });
        f.whenComplete((x, e) -> {
            if (f.isCancelled()) result.cancel(false);
        });
        return f;
    }

    /** Records a finished request's metrics, once its completion is handed on ({@code kafka.Completions}). */
    public void account(Finished f) {
        metrics.finished(f.result(), f.beforeEngineMs());
    }

    /** The error result of a request that could not be turned into an engine request ({@link #account} it too). */
    public Finished rejected(String requestId, EngineException e, long arrivedNanos) {
        var g = GenerationResult.failed(requestId, engines.profile(), e);
        return new Finished(g, (System.nanoTime() - arrivedNanos) / 1e6, null, null);
    }
}
