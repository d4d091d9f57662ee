package dev.invariant.worker.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class ReplyTargetTest {

    @Test
    void readsTopicPartitionAndCorrelationIdAsKafkaRequestReplyWritesThem() {
        var h = new RecordHeaders();
        h.add(Topics.REPLY_TOPIC_HEADER, "my.replies".getBytes(StandardCharsets.UTF_8));
        h.add(Topics.REPLY_PARTITION_HEADER, ByteBuffer.allocate(4).putInt(3).array());
        h.add(Topics.REPLY_CORRELATION_ID_HEADER, new byte[] {9, 8, 7});
        ReplyTarget t = ReplyTarget.of(h);
        assertEquals("my.replies", t.topic());
        assertEquals(3, t.partition());
        assertArrayEquals(new byte[] {9, 8, 7}, t.correlationId());
    }

    @Test
    void withoutAReplyTopicThereIsNoReplyAndWithoutAPartitionAnyPartitionDoes() {
        assertNull(ReplyTarget.of(new RecordHeaders()));
        var h = new RecordHeaders();
        h.add(Topics.REPLY_TOPIC_HEADER, "r".getBytes(StandardCharsets.UTF_8));
        ReplyTarget t = ReplyTarget.of(h);
        assertEquals(-1, t.partition());
        assertNull(t.correlationId());
    }
}
