package dev.invariant.worker.kafka;

import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.EngineService;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

/**
 * Exactly-once publishing ({@code invariant.delivery.guarantee=exactly-once}): a poll's outcomes are written in one
 * Kafka transaction together with the consumer offsets past them ({@code sendOffsetsToTransaction}), so a
 * {@code read_committed} consumer sees each request's completion once, whatever crashes. Transactions run one at a
 * time on one thread, in the order their polls arrived. The transactional id is {@code invariant-<worker-id>}: a
 * restarted worker with the same id fences its predecessor and aborts its open transaction.
 */
@ApplicationScoped
public class TransactionalOutbox {
    private static final Logger LOG = Logger.getLogger(TransactionalOutbox.class);
    private static final long REGISTRY_RETRY_MS = 1000;

    @Inject
    WorkerConfig config;
    @Inject
    EngineService engines;
    @Inject
    KafkaSettings settings;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("invariant-transactions").daemon().factory());
    private KafkaProducer<byte[], byte[]> producer;

    /**
     * Writes the records and commits the offsets in one transaction; completes when it is committed.
     *
     * @param group the consumer's group metadata when the transaction runs (its current generation: a worker that
     *              lost these partitions in a rebalance cannot commit them)
     */
    CompletableFuture<Void> commit(List<Outgoing> records, Map<TopicPartition, OffsetAndMetadata> offsets,
                                   Supplier<ConsumerGroupMetadata> group) {
        return CompletableFuture.runAsync(() -> run(records, offsets, group.get()), thread);
    }

    private void run(List<Outgoing> records, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
        var producer = producer();
        var values = records.stream().map(TransactionalOutbox::encoded).toList();
        try {
            producer.beginTransaction();
            for (int i = 0; i < records.size(); i++) {
                Outgoing o = records.get(i);
                var r = new ProducerRecord<>(o.topic(), o.partition() < 0 ? null : o.partition(), o.key(), values.get(i));
                o.headers().forEach(h -> r.headers().add(h));
                producer.send(r);
            }
            producer.sendOffsetsToTransaction(offsets, group);
            producer.commitTransaction();
        } catch (ProducerFencedException e) {
            // Another worker with this transactional id runs: this one is a zombie and must not write again.
            LOG.errorf("fenced by a newer worker with transactional id %s: exiting", transactionalId());
            Runtime.getRuntime().halt(3);
        } catch (KafkaException e) {
            // Typically a rebalance took these partitions while the poll ran. Nothing of it became visible, but this
            // consumer has read past it: only a fresh start from the committed offsets keeps every record exactly
            // once, so the worker stops and its supervisor (docker restart policy, Kubernetes) starts it again.
            LOG.errorf("transaction of %d records failed (%s): exiting; the group re-runs everything past the"
                    + " committed offsets", records.size(), e);
            try {
                producer.abortTransaction();
            } finally {
                Runtime.getRuntime().halt(4);
            }
        }
    }

    /** The value, waiting out a registry outage (encoding registers the schema the first time). */
    private static byte[] encoded(Outgoing o) {
        for (int attempt = 1; ; attempt++) {
            try {
                return o.value().get();
            } catch (RuntimeException e) {
                LOG.warnf("encoding for %s failed (attempt %d), retrying in %d ms: %s", o.topic(), attempt,
                        REGISTRY_RETRY_MS, e.getMessage());
                try {
                    Thread.sleep(REGISTRY_RETRY_MS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        if (producer == null) {
            var p = settings.sharedProducer();
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "invariant-transactions");
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            producer.initTransactions(); // aborts what a predecessor with this id left open
        }
        return producer;
    }

    private String transactionalId() {
        return "invariant-" + engines.workerId();
    }

    @PreDestroy
    void close() {
        thread.submit(() -> {
            if (producer != null) producer.close(Duration.ofSeconds(5));
        });
        thread.shutdown();
    }
}
