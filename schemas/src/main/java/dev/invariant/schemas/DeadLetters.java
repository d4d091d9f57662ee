package dev.invariant.schemas;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds what goes to {@link Topics#DLQ} for a record that could not be read: the {@link DeadLetter} value
 * and the dead-letter headers, from the same facts, so every producer of DLQ records writes them alike.
 */
public final class DeadLetters {

    private DeadLetters() {
    }

    /**
     * @param key   the original key bytes, or null
     * @param value the original value bytes, or null (stored as empty)
     * @param error what rejected the record; its message becomes the reason
     */
    public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value,
                                Throwable error, Instant now) {
        return DeadLetter.newBuilder()
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key.clone()))
                .setOriginalValue(ByteBuffer.wrap(value == null ? new byte[0] : value.clone()))
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setReason(reason(error))
                .setErrorClass(error.getClass().getName())
                .setTimestamp(now)
                .build();
    }

    /** The dead-letter headers for {@code letter} (cause headers only when the error has a cause). */
    public static Headers headers(DeadLetter letter, Throwable error) {
        var headers = new RecordHeaders();
        add(headers, Topics.DLQ_REASON_HEADER, letter.getReason());
        add(headers, Topics.DLQ_EXCEPTION_CLASS_HEADER, letter.getErrorClass());
        if (error.getCause() != null) {
            add(headers, Topics.DLQ_CAUSE_HEADER, reason(error.getCause()));
            add(headers, Topics.DLQ_CAUSE_CLASS_HEADER, error.getCause().getClass().getName());
        }
        add(headers, Topics.DLQ_TOPIC_HEADER, letter.getTopic());
        add(headers, Topics.DLQ_PARTITION_HEADER, Integer.toString(letter.getPartition()));
        add(headers, Topics.DLQ_OFFSET_HEADER, Long.toString(letter.getOffset()));
        return headers;
    }

    private static String reason(Throwable error) {
        return error.getMessage() != null ? error.getMessage() : error.toString();
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
