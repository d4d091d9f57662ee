package dev.invariant.schemas;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/** {@link Topics#SENT_NANOS_HEADER}: written by the services that stamp their records, read by bench-pipeline. */
public final class SendStamp {
    private SendStamp() {
    }

    /** The header for a send now: {@code System.nanoTime()}, 8 bytes big-endian. */
    public static Header now() {
        return new RecordHeader(Topics.SENT_NANOS_HEADER,
                ByteBuffer.allocate(Long.BYTES).putLong(System.nanoTime()).array());
    }

    /** The stamp of a record's headers; empty without one of 8 bytes. */
    public static java.util.OptionalLong read(Headers headers) {
        Header h = headers.lastHeader(Topics.SENT_NANOS_HEADER);
        if (h == null || h.value() == null || h.value().length != Long.BYTES) return java.util.OptionalLong.empty();
        return java.util.OptionalLong.of(ByteBuffer.wrap(h.value()).getLong());
    }
}
