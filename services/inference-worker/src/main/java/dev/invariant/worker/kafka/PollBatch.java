package dev.invariant.worker.kafka;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** One poll's records under exactly-once: their outcomes are gathered until every one is done, then committed. */
record PollBatch(TransactionBatch gathered, AtomicInteger left, CompletableFuture<Void> all) {

    PollBatch(TransactionBatch gathered, int records) {
        this(gathered, new AtomicInteger(records), new CompletableFuture<>());
    }

    void recordDone() {
        if (left.decrementAndGet() == 0) all.complete(null);
    }
}
