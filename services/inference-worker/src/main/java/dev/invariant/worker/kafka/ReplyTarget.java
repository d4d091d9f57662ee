package dev.invariant.worker.kafka;

import dev.invariant.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Where a requester awaits its answer, read from the request's headers as SmallRye's {@code KafkaRequestReply}
 * writes them: the reply topic (UTF-8), optionally a reply partition (4-byte big-endian int), and a correlation
 * id that is copied unchanged onto the reply.
 *
 * @param partition -1 when the requester did not name one
 */
public record ReplyTarget(String topic, int partition, byte[] correlationId) {

    /** The reply target of a request, or null when it asks for none. */
    public static ReplyTarget of(Headers headers) {
        if (headers == null) return null;
        Header topic = headers.lastHeader(Topics.REPLY_TOPIC_HEADER);
        if (topic == null || topic.value() == null || topic.value().length == 0) return null;
        Header partition = headers.lastHeader(Topics.REPLY_PARTITION_HEADER);
        int p = partition != null && partition.value() != null && partition.value().length == 4
                ? ByteBuffer.wrap(partition.value()).getInt() : -1;
        Header correlation = headers.lastHeader(Topics.REPLY_CORRELATION_ID_HEADER);
        return new ReplyTarget(new String(topic.value(), StandardCharsets.UTF_8), p,
                correlation == null ? null : correlation.value());
    }
}
