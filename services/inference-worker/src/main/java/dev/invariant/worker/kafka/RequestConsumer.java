package dev.invariant.worker.kafka;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.Request;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * What happens to a request record once {@link Intake} holds an admission permit for it: it is read (an
 * unreadable record goes to the dead-letter topic, never retried, never dropped) and handed to the engine on the
 * intake's own thread, with the other records of its poll at once; its outcome goes to the sink. The permit is released, and the record counts as done, only
 * once the outcome is acknowledged by the broker (or gathered for the poll's transaction), so its offset is never
 * committed before that. A crash before re-delivers the record, and re-running it gives the same completion: the
 * output depends only on the request.
 */
@ApplicationScoped
public class RequestConsumer {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

    private final EngineService engines;
    private final Generations generations;
    private final RecordCodec codec;
    private final Publisher publisher;
    private final Completions completions;
    private final WorkerMetrics metrics;

    public RequestConsumer(EngineService engines, Generations generations, RecordCodec codec, Publisher publisher,
                           Completions completions, WorkerMetrics metrics) {
        this.engines = engines;
        this.generations = generations;
        this.codec = codec;
        this.publisher = publisher;
        this.completions = completions;
        this.metrics = metrics;
    }

    /**
     * A request read and validated from its record, not yet on the engine; {@code rejected} when it cannot become an
     * engine request (its error completion is published instead).
     */
    record Read(InferenceRequest request, Request engineRequest, EngineException rejected, ReplyTarget reply,
                ChunkStream chunks, long arrived, OutcomeSink sink, Runnable done, Consumer<Throwable> fatal) {
    }

    /**
     * Reads the record; the caller holds a permit. An unreadable record goes to the dead-letter topic; a readable one
     * is added to {@code reads}, for {@link #start} with the rest of its poll. Returns false, keeping the permit, when
     * the registry cannot be reached: the caller tries the same record again later (nothing after it is taken).
     *
     * @param done  runs once the outcome is acknowledged and the permit released
     * @param fatal runs instead when no outcome could be made (a bug): the intake must not commit past the record
     */
    boolean read(ConsumerRecord<byte[], byte[]> record, long arrived, OutcomeSink sink, Runnable done,
                 Consumer<Throwable> fatal, List<Read> reads) {
        InferenceRequest request;
        try {
            request = codec.decodeRequest(record.value());
        } catch (RegistryException e) {
            if (e.isTransient() || e.isRegistryFault()) {
                LOG.warnf("schema registry unavailable, retrying record %s-%d@%d: %s", record.topic(),
                        record.partition(), record.offset(), e.getMessage());
                return false;
            }
            deadLetter(record, e, sink, done);
            return true;
        } catch (RuntimeException e) {
            // Unreadable: not the wire format, unknown schema id, corrupt Avro.
            deadLetter(record, e, sink, done);
            return true;
        }
        ChunkStream chunks = request.getStream() ? new ChunkStream(publisher) : null;
        Request engineRequest = null;
        EngineException rejected = null;
        try {
            engineRequest = RequestMapper.toEngine(request, engines);
        } catch (EngineException e) {
            rejected = e;
        } catch (RuntimeException e) {
            rejected = internal(e);
        }
        reads.add(new Read(request, engineRequest, rejected, ReplyTarget.of(record.headers()), chunks, arrived, sink,
                done, fatal));
        return true;
    }

    /**
     * Hands one poll's readable requests to the engine together, so they start in the same step (a poll decoded
     * and submitted record by record reaches the engine spread over several steps, too spread out to batch).
     */
    void start(List<Read> reads) {
        var runs = new ArrayList<Generations.Run>();
        var running = new ArrayList<Read>();
        for (Read r : reads) {
            if (r.rejected() != null) {
                publish(r, CompletableFuture.completedFuture(generations.rejected(r.request().getRequestId(),
                        r.rejected(), r.arrived())));
                continue;
            }
            runs.add(new Generations.Run(r.engineRequest(), r.chunks() == null ? TokenListener.NONE : r.chunks(),
                    r.arrived()));
            running.add(r);
        }
        if (runs.isEmpty()) return;
        List<CompletableFuture<Generations.Finished>> finished;
        try {
            finished = generations.runAll(runs);
        } catch (RuntimeException e) {
            for (Read r : running) {
                publish(r, CompletableFuture.completedFuture(generations.rejected(r.request().getRequestId(),
                        internal(e), r.arrived())));
            }
            return;
        }
        for (int i = 0; i < running.size(); i++) publish(running.get(i), finished.get(i));
    }

    private static EngineException internal(RuntimeException e) {
        return new EngineException(ErrorCode.INTERNAL, "the worker failed on this request: " + e, e);
    }

    private void publish(Read r, CompletableFuture<Generations.Finished> finished) {
        finished.thenCompose(f -> {
            if (r.chunks() != null) r.chunks().finish(f.result());
            return completions.send(r.sink(), f, r.request().getModel(), r.reply());
        }).whenComplete((v, e) -> {
            engines.admission().release();
            if (e == null) {
                r.done().run();
                return;
            }
            LOG.errorf(e, "request %s: completion could not be made", r.request().getRequestId());
            r.fatal().accept(e);
        });
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, Exception why, OutcomeSink sink, Runnable done) {
        var letter = DeadLetters.of(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                why);
        LOG.warnf("record %s-%d@%d goes to the dead-letter topic: %s", letter.getTopic(), letter.getPartition(),
                letter.getOffset(), letter.getReason());
        metrics.deadLettered();
        sink.deadLetter(letter, DeadLetters.headers(letter)).whenComplete((v, e) -> {
            engines.admission().release();
            done.run();
        });
    }
}
