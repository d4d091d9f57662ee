package dev.invariant.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.schemas.serde.UnreadableRecordException;
import dev.invariant.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static byte[] bytes(ByteBuffer buffer) {
        var copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    @Test
    void garbageBecomesADeadLetterWithTheDeserializersReason() {
        byte[] garbage = {'{', '"', 'x', '"', '}'};
        var error = org.junit.jupiter.api.Assertions.assertThrows(UnreadableRecordException.class,
                () -> WireFormat.schemaId(garbage));
        var now = Instant.ofEpochMilli(1_790_000_000_000L);

        DeadLetter letter = DeadLetters.of(Topics.REQUESTS, 2, 41L, "k1".getBytes(), garbage, error, now);

        assertArrayEquals(garbage, bytes(letter.getOriginalValue()));
        assertArrayEquals("k1".getBytes(), bytes(letter.getOriginalKey()));
        assertEquals(Topics.REQUESTS, letter.getTopic());
        assertEquals(2, letter.getPartition());
        assertEquals(41L, letter.getOffset());
        assertEquals(error.getMessage(), letter.getReason());
        assertEquals(UnreadableRecordException.class.getName(), letter.getErrorClass());
        assertEquals(now, letter.getTimestamp());
        // The DeadLetter itself is a valid record of its schema.
        byte[] framed = new AvroWireCodec<DeadLetter>(null).encode(9, letter);
        assertEquals(letter, new AvroWireCodec<>(DeadLetter.class).decode(framed, Map.of(9, DeadLetter.getClassSchema())::get));

        Headers headers = DeadLetters.headers(letter, error);
        assertEquals(error.getMessage(), header(headers, Topics.DLQ_REASON_HEADER));
        assertEquals(UnreadableRecordException.class.getName(), header(headers, Topics.DLQ_EXCEPTION_CLASS_HEADER));
        assertEquals(Topics.REQUESTS, header(headers, Topics.DLQ_TOPIC_HEADER));
        assertEquals("2", header(headers, Topics.DLQ_PARTITION_HEADER));
        assertEquals("41", header(headers, Topics.DLQ_OFFSET_HEADER));
        assertNull(header(headers, Topics.DLQ_CAUSE_HEADER), "no cause, no cause header");
    }

    @Test
    void nullKeyAndValueAndACauseAreKept() {
        var error = new org.apache.kafka.common.errors.SerializationException("outer", new IllegalStateException("inner"));
        DeadLetter letter = DeadLetters.of(Topics.REQUESTS, 0, 0L, null, null, error, Instant.EPOCH);
        assertNull(letter.getOriginalKey());
        assertEquals(0, letter.getOriginalValue().remaining());
        Headers headers = DeadLetters.headers(letter, error);
        assertEquals("inner", header(headers, Topics.DLQ_CAUSE_HEADER));
        assertEquals(IllegalStateException.class.getName(), header(headers, Topics.DLQ_CAUSE_CLASS_HEADER));
    }
}
