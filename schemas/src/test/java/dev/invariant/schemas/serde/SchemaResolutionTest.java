package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Numerics;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/** Records written with another version of a schema read as today's generated class (Avro resolution). */
class SchemaResolutionTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Today's InferenceRequest schema, edited as JSON. */
    static Schema editedRequestSchema(Consumer<ArrayNode> editFields) throws Exception {
        var root = (ObjectNode) JSON.readTree(InferenceRequest.getClassSchema().toString());
        editFields.accept((ArrayNode) root.get("fields"));
        return new Schema.Parser().parse(root.toString());
    }

    static void removeField(ArrayNode fields, String name) {
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).get("name").asText().equals(name)) {
                fields.remove(i);
                return;
            }
        }
        throw new AssertionError("no field " + name);
    }

    static byte[] framed(int id, Schema writer, GenericRecord record) throws Exception {
        var out = new ByteArrayOutputStream();
        var header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(header, id);
        out.writeBytes(header.array());
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /**
     * {@code request} as a generic record of {@code schema} (fields it lacks dropped, fields it adds at their
     * defaults, timestamps as raw longs): what a client built on that schema version would hold.
     */
    static GenericRecord copyInto(Schema schema, InferenceRequest request) throws Exception {
        var out = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<InferenceRequest>(InferenceRequest.class).write(request, encoder);
        encoder.flush();
        var decoder = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
        return new GenericDatumReader<GenericRecord>(InferenceRequest.getClassSchema(), schema).read(null, decoder);
    }

    @Test
    void olderWriterWithoutNewerFieldsReadsWithTheirDefaults() throws Exception {
        Schema v1 = editedRequestSchema(fields -> {
            removeField(fields, "session_id");
            removeField(fields, "metadata");
        });
        InferenceRequest original = Samples.request("v1-writer");
        GenericRecord written = copyInto(v1, original);
        byte[] bytes = framed(11, v1, written);

        InferenceRequest read = new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(11, v1)));

        assertNull(read.getSessionId());
        assertEquals(Map.of(), read.getMetadata());
        var expected = InferenceRequest.newBuilder(original).setSessionId(null).setMetadata(Map.of()).build();
        assertEquals(expected, read);
    }

    @Test
    void newerWriterWithAnExtraDefaultedFieldReadsWithoutIt() throws Exception {
        Schema v3 = editedRequestSchema(fields -> fields.addObject()
                .put("name", "priority").put("type", "int").put("default", 0));
        InferenceRequest original = Samples.request("v3-writer");
        GenericRecord written = copyInto(v3, original);
        written.put("priority", 7);
        byte[] bytes = framed(12, v3, written);

        InferenceRequest read = new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(12, v3)));

        assertEquals(original, read);
    }

    @Test
    void writerMissingAFieldThatHasNoDefaultIsIncompatible() throws Exception {
        Schema broken = editedRequestSchema(fields -> removeField(fields, "model"));
        GenericRecord written = copyInto(broken, Samples.request("no-model"));
        byte[] bytes = framed(13, broken, written);

        var e = assertThrows(UnreadableRecordException.class, () -> new AvroWireCodec<>(InferenceRequest.class)
                .decode(bytes, AvroWireCodecTest.lookup(Map.of(13, broken))));
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        assertEquals(true, e.getMessage().contains("model"), e.getMessage());
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
                .decode(framed(14, minimal, written), AvroWireCodecTest.lookup(Map.of(14, minimal)));

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
