package dev.invariant.worker.fuzz;

import dev.invariant.schemas.InferenceRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;

/** InferenceRequest as a newer producer might write it: the same fields plus one the worker does not know. */
final class ExtendedSchema {
    static final String EXTRA = "priority_hint";
    static final Schema SCHEMA = build();

    private ExtendedSchema() {
    }

    private static Schema build() {
        var base = InferenceRequest.getClassSchema();
        var fields = new ArrayList<Schema.Field>();
        for (var f : base.getFields()) fields.add(new Schema.Field(f, f.schema()));
        fields.add(new Schema.Field(EXTRA, Schema.createUnion(Schema.create(Schema.Type.NULL),
                Schema.create(Schema.Type.STRING)), "unknown to the worker", JsonProperties.NULL_VALUE));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    static byte[] encode(int schemaId, GenericRecord record) {
        var out = new ByteArrayOutputStream();
        out.write(0);
        out.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        try {
            var encoder = EncoderFactory.get().binaryEncoder(out, null);
            // SpecificData: the values are the generated classes' (nested records, enums, Instants).
            new GenericDatumWriter<GenericRecord>(SCHEMA, SpecificData.getForSchema(InferenceRequest.getClassSchema()))
                    .write(record, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
