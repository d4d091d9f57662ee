package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.SchemaEditing;
import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/** Records written with another version of a schema read as today's generated class (Avro resolution). */
class SchemaResolutionTest {

    @Test
    void olderWriterWithoutNewerFieldsReadsWithTheirDefaults() throws Exception {
        Schema v1 = SchemaEditing.withoutFields(InferenceRequest.getClassSchema(), "session_id", "metadata");
        InferenceRequest original = Samples.request("v1-writer");
        GenericRecord written = SchemaEditing.project(original, v1);
        byte[] bytes = SchemaEditing.framed(11, v1, written);

        InferenceRequest read = new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(11, v1)));

        assertNull(read.getSessionId());
        assertEquals(Map.of(), read.getMetadata());
        var expected = InferenceRequest.newBuilder(original).setSessionId(null).setMetadata(Map.of()).build();
        assertEquals(expected, read);
    }

    @Test
    void newerWriterWithAnExtraDefaultedFieldReadsWithoutIt() throws Exception {
        Schema v3 = SchemaEditing.withField(InferenceRequest.getClassSchema(),
                "{\"name\":\"priority\",\"type\":\"int\",\"default\":0}");
        InferenceRequest original = Samples.request("v3-writer");
        GenericRecord written = SchemaEditing.project(original, v3);
        written.put("priority", 7);
        byte[] bytes = SchemaEditing.framed(12, v3, written);

        InferenceRequest read = new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(12, v3)));

        assertEquals(original, read);
    }

    @Test
    void writerMissingAFieldThatHasNoDefaultIsIncompatible() throws Exception {
        Schema broken = SchemaEditing.withoutFields(InferenceRequest.getClassSchema(), "model");
        GenericRecord written = SchemaEditing.project(Samples.request("no-model"), broken);
        byte[] bytes = SchemaEditing.framed(13, broken, written);

        var e = assertThrows(UnreadableRecordException.class, () -> new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(13, broken))));
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        assertEquals("schema id 13 (dev.invariant.schemas.InferenceRequest) cannot be read as"
                + " dev.invariant.schemas.InferenceRequest: READER_FIELD_MISSING_DEFAULT_VALUE model at /fields/1;"
                + " the writer broke the BACKWARD evolution rule (docs/schemas.md)", e.getMessage());
    }

    @Test
    void manyIncompatibilitiesMakeABoundedReasonWithoutTheSchemas() throws Exception {
        // Every field of the request turned boolean: one type mismatch per field.
        Schema request = InferenceRequest.getClassSchema();
        Schema booleans = Schema.createRecord(request.getName(), null, request.getNamespace(), false,
                request.getFields().stream().map(f -> new Schema.Field(f.name(), Schema.create(Schema.Type.BOOLEAN)))
                        .toList());
        var written = new GenericData.Record(booleans);
        booleans.getFields().forEach(f -> written.put(f.name(), false));
        byte[] bytes = SchemaEditing.framed(14, booleans, written);

        var e = assertThrows(UnreadableRecordException.class, () -> new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(14, booleans))));
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        String reason = e.getMessage();
        assertTrue(reason.length() < 800 && !reason.contains("{") && !reason.contains("\n"), reason);
        assertTrue(reason.contains("TYPE_MISMATCH") && reason.contains("at /fields/0/type")
                && reason.contains(" more; the writer broke the BACKWARD evolution rule"), reason);
    }

    @Test
    void minimalRequestTakesTheDocumentedDefaults() throws Exception {
        // A writer that knows only the two required fields and sampling.max_tokens.
        Schema minimal = new Schema.Parser().parse("""
                {"type":"record","name":"InferenceRequest","namespace":"dev.invariant.schemas","fields":[
                  {"name":"request_id","type":"string"},{"name":"model","type":"string"},
                  {"name":"sampling","type":{"type":"record","name":"Sampling","fields":[
                    {"name":"max_tokens","type":"int","default":16}]}}]}""");
        var sampling = new GenericData.Record(minimal.getField("sampling").schema());
        sampling.put("max_tokens", 5);
        var written = new GenericData.Record(minimal);
        written.put("request_id", "min");
        written.put("model", "stories260K");
        written.put("sampling", sampling);

        InferenceRequest read = new AvroWireCodec<>(InferenceRequest.class)
                .decode(SchemaEditing.framed(14, minimal, written), AvroWireCodecTest.lookup(Map.of(14, minimal)));

        assertEquals(Numerics.portable, read.getNumericsProfile());
        assertEquals(5, read.getSampling().getMaxTokens());
        // The engine's defaults: greedy, every filter and penalty off.
        assertEquals(0f, read.getSampling().getTemperature());
        assertEquals(0, read.getSampling().getTopK());
        assertEquals(1f, read.getSampling().getTopP());
        assertEquals(1f, read.getSampling().getRepetitionPenalty());
        assertNull(read.getSampling().getSeed());
        assertEquals(List.of(), read.getSampling().getStop());
        assertNull(read.getPrompt());
        assertEquals(false, read.getStream());
    }
}
