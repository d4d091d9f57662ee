package dev.invariant.worker.kafka;

import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;

/**
 * A finished request's completion record, made and handed on, for both front doors; its metrics are recorded right
 * after the hand-over ({@link Generations#account}), so they are never between the engine and the producer.
 */
@ApplicationScoped
public class Completions {
    private final EngineService engines;
    private final Generations generations;
    private final Publisher publisher;

    public Completions(EngineService engines, Generations generations, Publisher publisher) {
        this.engines = engines;
        this.generations = generations;
        this.publisher = publisher;
    }

    /** On the completions topic (the HTTP front door); {@code model} as the request named it. */
    public CompletableFuture<Void> publish(Generations.Finished f, String model) {
        return send(publisher, f, model, null);
    }

    /** To {@code sink} (a Kafka request's), and to its reply topic when it named one. */
    CompletableFuture<Void> send(OutcomeSink sink, Generations.Finished f, String model, ReplyTarget reply) {
        var sent = sink.completion(CompletionMapper.toRecord(f.result(), f.params(), f.prompt(), model, engines, f.beforeEngineMs()), reply);
        generations.account(f);
        return sent;
    }
}
