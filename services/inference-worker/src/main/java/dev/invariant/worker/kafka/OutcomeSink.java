package dev.invariant.worker.kafka;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.header.internals.RecordHeader;

/** Where a request record's outcome goes: published at once (at-least-once) or gathered for a transaction. */
interface OutcomeSink {
    /** Completes when the outcome is safely handed over: the request's permit may then be released. */
    CompletableFuture<Void> completion(Completion c, ReplyTarget reply);

    CompletableFuture<Void> deadLetter(DeadLetter d, List<RecordHeader> headers);
}
