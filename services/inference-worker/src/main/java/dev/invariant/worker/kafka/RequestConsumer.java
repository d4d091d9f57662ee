package dev.invariant.worker.kafka;

import dev.invariant.engine.EngineException;
import dev.invariant.engine.ErrorCode;
import dev.invariant.engine.api.TokenListener;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.worker.config.DeliveryGuarantee;
import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.engine.Generations;
import dev.invariant.worker.metrics.WorkerMetrics;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The Kafka front door. Each record first waits for an admission permit: the returned stage completes once the
 * record is handed to the engine, so SmallRye delivers the next record only while the engine has room, and the
 * connector pauses its partitions when its bounded queue fills. Many requests are in the engine at once. While
 * permits are free and the writer schema is known, a record is admitted on the delivering thread itself; only a
 * full engine or a registry look-up moves it to the reader thread.
 *
 * <p>A record is acknowledged (its offset becomes committable under the throttled strategy) only after its
 * Completion, or its dead letter, is acknowledged by the broker. A crash before that re-delivers the record, and
 * re-running it gives the same completion: the output depends only on the request.
 */
@ApplicationScoped
public class RequestConsumer {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    private static final long REGISTRY_RETRY_MS = 1000;

    private final EngineService engines;
    private final Generations generations;
    private final RecordCodec codec;
    private final Publisher publisher;
    private final WorkerMetrics metrics;
    private final WorkerConfig config;
    private final TransactionalOutbox outbox;
    private final boolean exactlyOnce;
    // Exactly-once: each poll's transaction follows the previous poll's, whatever order their requests finish in.
    private CompletableFuture<Void> transactions = CompletableFuture.completedFuture(null);
    // Reading may ask the registry (blocking HTTP): never on the connector's event loop.
    private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("invariant-request-reader").daemon().factory());

    public RequestConsumer(EngineService engines, Generations generations, RecordCodec codec, Publisher publisher,
                           WorkerMetrics metrics, WorkerConfig config, TransactionalOutbox outbox) {
        this.engines = engines;
        this.generations = generations;
        this.codec = codec;
        this.publisher = publisher;
        this.metrics = metrics;
        this.config = config;
        this.outbox = outbox;
        this.exactlyOnce = DeliveryGuarantee.of(config).exactlyOnce();
    }

    /**
     * One poll's records in one call: each is admitted in order as {@link #onRecord} would, without a dispatch
     * per record; the stage completes once every record of the batch is admitted, so the connector still pauses
     * when the engine is full. The throttled commit tracks only the last record of each partition in a batch, so
     * that record is acknowledged once every record of its partition in the batch is done: no offset becomes
     * committable before all the records below it have their completion or dead letter acknowledged.
     */
    @Incoming("requests")
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public CompletionStage<Void> onBatch(KafkaRecordBatch<byte[], byte[]> batch) {
        Map<TopicPartition, List<CompletableFuture<Void>>> done = new HashMap<>();
        CompletionStage<Void> admitted = CompletableFuture.completedFuture(null);
        TransactionBatch gathered = exactlyOnce ? new TransactionBatch(config, codec) : null;
        OutcomeSink sink = exactlyOnce ? gathered : publisher;
        for (KafkaRecord<byte[], byte[]> record : batch) {
            var acked = new CompletableFuture<Void>();
            done.computeIfAbsent(new TopicPartition(record.getTopic(), record.getPartition()), tp -> new ArrayList<>())
                    .add(acked);
            Message<byte[]> tracked = record.withAck(() -> {
                acked.complete(null);
                return CompletableFuture.completedFuture(null);
            });
            admitted = admitted.thenCompose(v -> onRecord(tracked, sink));
        }
        Map<TopicPartition, KafkaRecord<byte[], byte[]>> latest = batch.getLatestOffsetRecords();
        if (exactlyOnce) {
            var all = CompletableFuture.allOf(done.values().stream().flatMap(List::stream)
                    .toArray(CompletableFuture[]::new));
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            latest.forEach((tp, r) -> offsets.put(tp, new OffsetAndMetadata(r.getMetadata(IncomingKafkaRecordMetadata.class)
                    .orElseThrow().getOffset() + 1)));
            transactions = transactions.thenCombine(all, (a, b) -> (Void) null)
                    .thenCompose(v -> outbox.commit(gathered.records(), offsets));
        } else {
            done.forEach((tp, acks) -> CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
                    .thenRun(() -> latest.get(tp).ack()));
        }
        return admitted;
    }

    private CompletionStage<Void> onRecord(Message<byte[]> message, OutcomeSink sink) {
        long arrived = System.nanoTime();
        var admitted = new CompletableFuture<Void>();
        // A free permit and a known writer schema need no blocking call: the record is read and handed to the
        // engine on this thread, the stage is complete on return and the next record of the poll follows at once,
        // so a burst reaches the engine without two thread hand-offs per record.
        if (codec.readsWithoutRegistry(message.getPayload()) && engines.admission().tryAcquire()) {
            read(message, arrived, admitted, sink);
            return admitted;
        }
        engines.admission().acquire().thenRunAsync(() -> read(message, arrived, admitted, sink), reader);
        return admitted;
    }

    /** Reads the record; an unreachable registry holds the channel (and the permit) until it answers again. */
    private void read(Message<byte[]> message, long arrived, CompletableFuture<Void> admitted, OutcomeSink sink) {
        IncomingKafkaRecordMetadata<?, ?> meta = message.getMetadata(IncomingKafkaRecordMetadata.class).orElse(null);
        InferenceRequest request;
        try {
            request = codec.decodeRequest(message.getPayload());
        } catch (RegistryException e) {
            if (e.isTransient()) {
                LOG.warnf("schema registry unavailable, retrying record in %d ms: %s", REGISTRY_RETRY_MS, e.getMessage());
                reader.schedule(() -> read(message, arrived, admitted, sink), REGISTRY_RETRY_MS,
                        TimeUnit.MILLISECONDS);
                return;
            }
            deadLetter(message, meta, e, sink);
            admitted.complete(null);
            return;
        } catch (RuntimeException e) {
            // Unreadable: not the wire format, unknown schema id, corrupt Avro. Never retried, never dropped.
            deadLetter(message, meta, e, sink);
            admitted.complete(null);
            return;
        }
        ReplyTarget reply = meta == null ? null : ReplyTarget.of(meta.getHeaders());
        generate(message, request, reply, arrived, sink);
        admitted.complete(null);
    }

    private void generate(Message<byte[]> message, InferenceRequest request, ReplyTarget reply, long arrived,
                          OutcomeSink sink) {
        ChunkStream chunks = request.getStream() ? new ChunkStream(publisher) : null;
        CompletableFuture<Generations.Finished> done;
        try {
            var r = RequestMapper.toEngine(request, engines);
            done = generations.run(r, chunks == null ? TokenListener.NONE : chunks, arrived);
        } catch (EngineException e) {
            done = CompletableFuture.completedFuture(generations.rejected(request.getRequestId(), e, arrived));
        } catch (RuntimeException e) {
            done = CompletableFuture.completedFuture(generations.rejected(request.getRequestId(),
                    new EngineException(ErrorCode.INTERNAL, "the worker failed on this request: " + e, e), arrived));
        }
        done.thenCompose(f -> {
            if (chunks != null) chunks.finish(f.result());
            var record = CompletionMapper.toRecord(f.result(), request.getModel(), engines, f.beforeEngineMs());
            return sink.completion(record, reply);
        }).whenComplete((v, e) -> {
            if (e == null) {
                acknowledge(message);
                return;
            }
            // A bug, not bad input: fail the channel (health goes down) rather than commit past the request.
            LOG.errorf(e, "request %s: completion could not be made", request.getRequestId());
            engines.admission().release();
            message.nack(e);
        });
    }

    private void deadLetter(Message<byte[]> message, IncomingKafkaRecordMetadata<?, ?> meta, Exception why,
                            OutcomeSink sink) {
        byte[] key = meta == null ? null : (byte[]) meta.getKey();
        var letter = DeadLetters.of(meta, key, message.getPayload(), why);
        LOG.warnf("record %s-%d@%d goes to the dead-letter topic: %s", letter.getTopic(), letter.getPartition(),
                letter.getOffset(), letter.getReason());
        metrics.deadLettered();
        sink.deadLetter(letter, DeadLetters.headers(letter)).whenComplete((v, e) -> acknowledge(message));
    }

    private void acknowledge(Message<byte[]> message) {
        engines.admission().release();
        message.ack();
    }
}
