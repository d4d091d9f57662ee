package dev.invariant.schemas;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;

/** Other versions of our schemas, made by editing today's as JSON, and records written with them. */
public final class SchemaEditing {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaEditing() {
    }

    public static Schema withoutFields(Schema schema, String... names) throws IOException {
        var root = (ObjectNode) JSON.readTree(schema.toString());
        var fields = (ArrayNode) root.get("fields");
        Set<String> drop = Set.of(names);
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (drop.contains(fields.get(i).get("name").asText())) fields.remove(i);
        }
        if (fields.size() + names.length != schema.getFields().size()) throw new AssertionError("missing field");
        return new Schema.Parser().parse(root.toString());
    }

    public static Schema withField(Schema schema, String fieldJson) throws IOException {
        var root = (ObjectNode) JSON.readTree(schema.toString());
        ((ArrayNode) root.get("fields")).add(JSON.readTree(fieldJson));
        return new Schema.Parser().parse(root.toString());
    }

    /**
     * {@code record} as a generic record of {@code schema} (fields it lacks dropped, fields it adds at their
     * defaults, timestamps as raw longs): what a client built on that schema version would hold.
     */
    public static GenericRecord project(SpecificRecord record, Schema schema) throws IOException {
        var out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        var decoder = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
        return new GenericDatumReader<GenericRecord>(record.getSchema(), schema).read(null, decoder);
    }

    /** {@code record} in the Confluent wire format under {@code id}, written with {@code writer}. */
    public static byte[] framed(int id, Schema writer, GenericRecord record) throws IOException {
        var out = new ByteArrayOutputStream();
        var header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(header, id);
        out.writeBytes(header.array());
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** A specific record that only carries a schema: enough for a serializer that fails at registration. */
    public static final class SchemaOnly extends SpecificRecordBase {
        private final Schema schema;

        public SchemaOnly(Schema schema) {
            this.schema = schema;
        }

        @Override
        public Schema getSchema() {
            return schema;
        }

        @Override
        public Object get(int field) {
            throw new UnsupportedOperationException("carries no values");
        }

        @Override
        public void put(int field, Object value) {
            throw new UnsupportedOperationException("carries no values");
        }
    }
}
