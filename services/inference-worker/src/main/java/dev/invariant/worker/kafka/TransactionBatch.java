package dev.invariant.worker.kafka;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.worker.config.WorkerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeader;

/** The outcomes of one poll's records, gathered for the poll's transaction (exactly-once mode). */
final class TransactionBatch implements OutcomeSink {
    private final WorkerConfig config;
    private final RecordCodec codec;
    private final List<Outgoing> records = new ArrayList<>();

    TransactionBatch(WorkerConfig config, RecordCodec codec) {
        this.config = config;
        this.codec = codec;
    }

    @Override
    public synchronized CompletableFuture<Void> completion(Completion c, ReplyTarget reply) {
        records.addAll(Outgoing.completion(config, codec, c, reply));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized CompletableFuture<Void> deadLetter(DeadLetter d, List<RecordHeader> headers) {
        records.add(Outgoing.deadLetter(config, codec, d, headers));
        return CompletableFuture.completedFuture(null);
    }

    synchronized List<Outgoing> records() {
        return List.copyOf(records);
    }
}
