package dev.invariant.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes cannot be read as the expected Avro type, and never will be: retrying does not help,
 * so a consumer sends such a record to the dead-letter topic with {@link #getMessage()} as the reason.
 * (A registry that cannot be reached is not this: that surfaces as a plain {@link SerializationException}
 * whose cause is a transient {@link dev.invariant.schemas.registry.RegistryException}.)
 */
public final class UnreadableRecordException extends SerializationException {

    /** What is wrong with the bytes. */
    public enum Reason {
        /** Too short, or the first byte is not the Confluent magic byte 0: not Confluent-framed Avro at all. */
        NOT_WIRE_FORMAT,
        /** The 4-byte schema id is not known to the registry. */
        UNKNOWN_SCHEMA_ID,
        /** The writer schema is not Avro, or cannot be resolved against the reader's schema. */
        INCOMPATIBLE_SCHEMA,
        /** The Avro body does not decode with its writer schema (truncated, trailing or impossible data). */
        CORRUPT_PAYLOAD
    }

    /** Schema id value when the bytes did not get as far as carrying one. */
    public static final int NO_SCHEMA_ID = -1;

    private final Reason reason;
    private final int schemaId;

    public UnreadableRecordException(Reason reason, int schemaId, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.schemaId = schemaId;
    }

    public UnreadableRecordException(Reason reason, int schemaId, String message) {
        this(reason, schemaId, message, null);
    }

    public Reason reason() {
        return reason;
    }

    /** The schema id the record carries, or {@link #NO_SCHEMA_ID}. */
    public int schemaId() {
        return schemaId;
    }
}
