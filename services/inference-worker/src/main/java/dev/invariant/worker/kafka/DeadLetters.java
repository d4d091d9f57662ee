package dev.invariant.worker.kafka;

import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeader;

/** The DeadLetter record (and the dead-letter headers SmallRye's connector writes) for a request record that cannot be read. */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] value, Throwable why) {
        return DeadLetter.newBuilder()
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
                .setOriginalValue(ByteBuffer.wrap(value == null ? new byte[0] : value))
                .setTopic(topic)
                .setPartition(partition)
                .setOffset(offset)
                .setReason(reason(why))
                .setErrorClass(why.getClass().getName())
                .setTimestamp(Instant.now())
                .build();
    }

    public static List<RecordHeader> headers(DeadLetter d) {
        var h = new ArrayList<RecordHeader>();
        h.add(header(Topics.DLQ_REASON_HEADER, d.getReason()));
        h.add(header(Topics.DLQ_EXCEPTION_CLASS_HEADER, d.getErrorClass()));
        h.add(header(Topics.DLQ_TOPIC_HEADER, d.getTopic()));
        h.add(header(Topics.DLQ_PARTITION_HEADER, Integer.toString(d.getPartition())));
        h.add(header(Topics.DLQ_OFFSET_HEADER, Long.toString(d.getOffset())));
        return h;
    }

    /** URLs with their scheme, host and path: a reason must not tell DLQ readers internal addresses. */
    private static final java.util.regex.Pattern URL = java.util.regex.Pattern.compile("\\b[a-zA-Z][a-zA-Z0-9+.-]*://\\S+");

    static String reason(Throwable why) {
        String m = why.getMessage();
        String r = m == null || m.isBlank() ? why.getClass().getSimpleName() : m;
        return URL.matcher(r).replaceAll("<url>");
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
