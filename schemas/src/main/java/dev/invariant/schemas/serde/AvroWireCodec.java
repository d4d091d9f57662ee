package dev.invariant.schemas.serde;

import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro records to and from the Confluent wire format, given the schema ids: no registry here. Reading
 * resolves the writer's schema (looked up by the id in the bytes) against the reader's generated class,
 * so a record written with an older or newer schema reads as today's class (Avro schema resolution).
 *
 * @param <T> the generated record class read, or {@link SpecificRecord} to take the class the writer
 *            schema names
 */
public final class AvroWireCodec<T extends SpecificRecord> {

    /** Characters of the incompatibility list in a reason, so a dead letter stays one readable line. */
    private static final int MAX_INCOMPATIBILITIES = 500;

    private final Class<T> readerClass;
    private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();

    /**
     * @param readerClass the generated class to read into, or null to read into whichever generated class
     *                    the writer schema's full name names
     */
    public AvroWireCodec(Class<T> readerClass) {
        this.readerClass = readerClass;
    }

    /** {@code record} in the wire format under {@code schemaId}, which must be the id of its schema. */
    public byte[] encode(int schemaId, T record) {
        Schema schema = record.getSchema();
        DatumWriter<T> writer = writers.computeIfAbsent(schema,
                s -> new SpecificDatumWriter<>(s, SpecificData.getForSchema(s)));
        var out = new ByteArrayOutputStream(128);
        var header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(header, schemaId);
        out.writeBytes(header.array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads {@code payload}. {@code writerSchemas} gives the schema of an id, or null when it is unknown; it
     * may also throw (an unknown id should then be an {@link UnreadableRecordException} with
     * {@link Reason#UNKNOWN_SCHEMA_ID}).
     *
     * @throws UnreadableRecordException when the bytes cannot be read as {@code T}
     */
    public T decode(byte[] payload, IntFunction<Schema> writerSchemas) {
        int id = WireFormat.schemaId(payload);
        DatumReader<T> reader = readers.get(id);
        if (reader == null) {
            Schema writer = writerSchemas.apply(id);
            if (writer == null) {
                throw new UnreadableRecordException(Reason.UNKNOWN_SCHEMA_ID, id, "schema id " + id + " is unknown");
            }
            reader = newReader(id, writer);
            readers.put(id, reader);
        }
        var decoder = new BoundedDecoder(payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE);
        T value;
        try {
            value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new UnreadableRecordException(Reason.CORRUPT_PAYLOAD, id, "record with schema id " + id
                        + " has bytes left over after its Avro value: it was not written with that schema");
            }
        } catch (UnreadableRecordException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Truncated or impossible data (bad union or enum index, negative or oversized length, ...).
            throw new UnreadableRecordException(Reason.CORRUPT_PAYLOAD, id, "record with schema id " + id
                    + " is not valid Avro for that schema (" + e + "): the producer wrote bytes that do not"
                    + " match the schema id it put in front of them", e);
        }
        return value;
    }

    private DatumReader<T> newReader(int id, Schema writer) {
        Class<?> target = readerClass != null ? readerClass : SpecificData.get().getClass(writer);
        if (target == null || !SpecificRecord.class.isAssignableFrom(target)) {
            throw new UnreadableRecordException(Reason.INCOMPATIBLE_SCHEMA, id, "schema id " + id + " is "
                    + writer.getFullName() + ", which has no generated class here: configure the reader class");
        }
        SpecificData model = SpecificData.getForClass(target);
        Schema reader = model.getSchema(target);
        var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new UnreadableRecordException(Reason.INCOMPATIBLE_SCHEMA, id, incompatibility(id, writer, reader,
                    compatibility.getResult().getIncompatibilities()));
        }
        return new SpecificDatumReader<>(writer, reader, model);
    }

    /**
     * One line for the dead-letter reason and the log: Avro's own description of an incompatibility carries both
     * schemas in full (kilobytes), so only what is wrong and where is kept.
     */
    private static String incompatibility(int id, Schema writer, Schema reader,
                                          List<SchemaCompatibility.Incompatibility> found) {
        if (!writer.getFullName().equals(reader.getFullName()) && !reader.getAliases().contains(writer.getFullName())) {
            return "schema id " + id + " is " + writer.getFullName() + ", not " + reader.getFullName()
                    + ": the record was written for another subject or topic";
        }
        var what = new StringBuilder();
        for (int n = 0; n < found.size(); n++) {
            var i = found.get(n);
            String one = i.getType() + " " + shorten(i.getMessage()) + " at " + shorten(i.getLocation());
            if (what.length() + one.length() > MAX_INCOMPATIBILITIES) {
                what.append(" and ").append(found.size() - n).append(" more");
                break;
            }
            what.append(what.isEmpty() ? "" : "; ").append(one);
        }
        return "schema id " + id + " (" + writer.getFullName() + ") cannot be read as " + reader.getFullName()
                + ": " + what + "; the writer broke the BACKWARD evolution rule (docs/schemas.md)";
    }

    private static String shorten(String s) {
        return s == null || s.length() <= 100 ? s : s.substring(0, 97) + "...";
    }
}
