package dev.invariant.schemas.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: byte 0 is the magic byte {@code 0}, bytes 1–4 the writer schema's global
 * registry id as a big-endian int, then the Avro binary encoding of the value. Any Confluent-format
 * consumer (Java, Go, Python, JavaScript) reads these bytes.
 */
public final class WireFormat {

    public static final byte MAGIC = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header for {@code schemaId} at the start of {@code out}. */
    public static void writeHeader(ByteBuffer out, int schemaId) {
        out.put(MAGIC).putInt(schemaId);
    }

    /**
     * The schema id in {@code payload}'s header.
     *
     * @throws UnreadableRecordException {@link UnreadableRecordException.Reason#NOT_WIRE_FORMAT} when the
     *                                   payload is shorter than the header or its magic byte is not 0
     */
    public static int schemaId(byte[] payload) {
        if (payload.length < HEADER_SIZE) {
            throw new UnreadableRecordException(UnreadableRecordException.Reason.NOT_WIRE_FORMAT,
                    UnreadableRecordException.NO_SCHEMA_ID, "record of " + payload.length
                    + " bytes is too short for the Confluent wire format (magic byte 0 + 4-byte schema id + Avro):"
                    + " produce it with a Confluent-format Avro serializer");
        }
        if (payload[0] != MAGIC) {
            throw new UnreadableRecordException(UnreadableRecordException.Reason.NOT_WIRE_FORMAT,
                    UnreadableRecordException.NO_SCHEMA_ID, String.format(
                    "record starts with byte 0x%02x, not the Confluent magic byte 0x00: it is not Confluent-framed"
                            + " Avro; produce it with a Confluent-format Avro serializer", payload[0] & 0xff));
        }
        return ByteBuffer.wrap(payload, 1, 4).getInt();
    }
}
