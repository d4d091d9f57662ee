package dev.invariant.worker.kafka;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.metrics.WorkerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * What happens to one request record once {@link Intake} holds an admission permit for it: it is read (an
 * unreadable record goes to the dead-letter topic, never retried, never dropped) and handed to the engine on the
 * intake's own thread; its outcome goes to the sink. The permit is released, and the record counts as done, only
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
    private final WorkerMetrics metrics;

    public RequestConsumer(EngineService engines, Generations generations, RecordCodec codec, Publisher publisher,
                           WorkerMetrics metrics) {
        this.engines = engines;
        this.generations = generations;
        this.codec = codec;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /**
     * Reads the record and starts its request; the caller holds a permit. Returns false, keeping the permit, when
     * the registry cannot be reached: the caller tries the same record again later (nothing after it is taken).
     *
     * @param done  runs once the outcome is acknowledged and the permit released
     * @param fatal runs instead when no outcome could be made (a bug): the intake must not commit past the record
     */
    boolean read(ConsumerRecord<byte[], byte[]> record, long arrived, OutcomeSink sink, Runnable done,
                 Consumer<Throwable> fatal) {
        InferenceRequest request;
        try {
            request = codec.decodeRequest(record.value());
        } catch (RegistryException e) {
            if (e.isTransient()) {
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
        generate(request, ReplyTarget.of(record.headers()), arrived, sink, done, fatal);
        return true;
    }

    private void generate(InferenceRequest request, ReplyTarget reply, long arrived, OutcomeSink sink, Runnable done,
                          Consumer<Throwable> fatal) {
        ChunkStream chunks = request.getStream() ? new ChunkStream(publisher) : null;
        CompletableFuture<Generations.Finished> finished;
        try {
            var r = RequestMapper.toEngine(request, engines);
            finished = generations.run(r, chunks == null ? TokenListener.NONE : chunks, arrived);
        } catch (EngineException e) {
            finished = CompletableFuture.completedFuture(generations.rejected(request.getRequestId(), e, arrived));
        } catch (RuntimeException e) {
            finished = CompletableFuture.completedFuture(generations.rejected(request.getRequestId(),
                    new EngineException(ErrorCode.INTERNAL, "the worker failed on this request: " + e, e), arrived));
        }
        finished.thenCompose(f -> {
            if (chunks != null) chunks.finish(f.result());
            var record = CompletionMapper.toRecord(f.result(), request.getModel(), engines, f.beforeEngineMs());
            return sink.completion(record, reply);
        }).whenComplete((v, e) -> {
            engines.admission().release();
            if (e == null) {
                done.run();
                return;
            }
            LOG.errorf(e, "request %s: completion could not be made", request.getRequestId());
            fatal.accept(e);
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
