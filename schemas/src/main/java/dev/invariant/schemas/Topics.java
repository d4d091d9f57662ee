package dev.invariant.schemas;

/**
 * Default topic names and the record header names every service and test agrees on.
 * Services take the topic names from configuration and fall back to these.
 */
public final class Topics {

    /** {@link InferenceRequest} values, keyed by request id (or session id when the request has one). */
    public static final String REQUESTS = "invariant.requests";
    /** {@link Completion} values, keyed by request id: exactly one per request. */
    public static final String COMPLETIONS = "invariant.completions";
    /** {@link CompletionChunk} values, keyed by request id, for requests that asked to stream. */
    public static final String CHUNKS = "invariant.completions.chunks";
    /** {@link DeadLetter} values: request records that could not be read. */
    public static final String DLQ = "invariant.requests.dlq";
    /** {@link ConsistencyEvent} values, keyed by fingerprint; compacted (the latest event per fingerprint). */
    public static final String CONSISTENCY = "invariant.consistency";

    // Request/reply: the same header names and encodings as SmallRye's KafkaRequestReply defaults, so its
    // emitter can await a Completion. A worker copies the correlation id bytes unchanged onto the reply and
    // also publishes it to REPLY_TOPIC (and REPLY_PARTITION when present); COMPLETIONS still gets every answer.

    /** Header naming the topic the reply goes to (UTF-8 topic name). */
    public static final String REPLY_TOPIC_HEADER = "REPLY_TOPIC";
    /** Header naming the reply partition: a 4-byte big-endian int. */
    public static final String REPLY_PARTITION_HEADER = "REPLY_PARTITION";
    /** Header carrying the requester's correlation id: opaque bytes, copied unchanged onto the reply. */
    public static final String REPLY_CORRELATION_ID_HEADER = "REPLY_CORRELATION_ID";

    // Dead-letter headers: the names SmallRye's Kafka dead-letter-queue failure strategy writes, so DLQ
    // records look the same whichever side put them there. Values are UTF-8 strings.

    /** Why the record was dead-lettered (the exception message). */
    public static final String DLQ_REASON_HEADER = "dead-letter-reason";
    /** The message of the exception's cause, when there is one. */
    public static final String DLQ_CAUSE_HEADER = "dead-letter-cause";
    /** Class name of the exception that rejected the record. */
    public static final String DLQ_EXCEPTION_CLASS_HEADER = "dead-letter-exception-class-name";
    /** Class name of that exception's cause, when there is one. */
    public static final String DLQ_CAUSE_CLASS_HEADER = "dead-letter-cause-class-name";
    /** Topic the record was read from. */
    public static final String DLQ_TOPIC_HEADER = "dead-letter-topic";
    /** Partition it was read from (decimal string). */
    public static final String DLQ_PARTITION_HEADER = "dead-letter-partition";
    /** Offset it was read at (decimal string). */
    public static final String DLQ_OFFSET_HEADER = "dead-letter-offset";

    /**
     * Diagnostics (invariant.diagnostics.send-stamp): {@code System.nanoTime()} right before the producer's send, an
     * 8-byte big-endian long; on Linux the monotonic clock every process on the machine shares, so a client there
     * splits a round trip at the send to the microsecond (bench-pipeline).
     */
    public static final String SENT_NANOS_HEADER = "invariant-sent-ns";

    private Topics() {
    }
}
