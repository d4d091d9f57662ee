package dev.invariant.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.LiveStack;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.SchemaEditing;
import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import dev.invariant.schemas.serde.UnreadableRecordException;
import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry client and serde against the real embedded registry's Confluent-compatible API. */
class RegistryIntegrationTest {

    private static SchemaRegistryClient client;

    @BeforeAll
    static void connect() {
        client = new SchemaRegistryClient(RegistryConfig.of(LiveStack.get().ccompatUrl()));
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    /** InferenceRequest as it was before session_id and metadata existed. */
    static Schema requestV1() throws Exception {
        return SchemaEditing.withoutFields(InferenceRequest.getClassSchema(), "session_id", "metadata");
    }

    @Test
    void backwardCompatibilityIsEnforcedBySubject() throws Exception {
        String subject = "it.evolution-value";
        client.setCompatibility(subject, Compatibility.BACKWARD);
        assertEquals(Optional.of(Compatibility.BACKWARD), client.compatibility(subject));

        int v1 = client.register(subject, requestV1());
        // Adding fields with defaults: readers of the new schema can read v1 data.
        assertTrue(client.isCompatible(subject, InferenceRequest.getClassSchema()));
        int v2 = client.register(subject, InferenceRequest.getClassSchema());
        assertNotEquals(v1, v2);

        // Adding a field without a default breaks BACKWARD: the registry answers 409.
        Schema broken = SchemaEditing.withField(InferenceRequest.getClassSchema(), "{\"name\":\"priority\",\"type\":\"int\"}");
        assertFalse(client.isCompatible(subject, broken));
        var e = assertThrows(RegistryException.class, () -> client.register(subject, broken));
        assertEquals(409, e.status(), e.getMessage());
        assertTrue(e.isIncompatible());

        // The serializer reports the same rejection with what to do.
        try (var own = new SchemaRegistryClient(client.config());
             var serializer = new ConfluentAvroSerializer<>(own, true, false)) {
            var se = assertThrows(SerializationException.class,
                    () -> serializer.serialize("it.evolution", new SchemaEditing.SchemaOnly(broken)));
            assertTrue(se.getMessage().contains("BACKWARD"), se.getMessage());
        }
    }

    @Test
    void beamSearchFieldsAreABackwardCompatibleChangeForTheRegistry() throws Exception {
        Schema requestBefore;
        try (var in = getClass().getResourceAsStream("/released/1/InferenceRequest.avsc")) {
            requestBefore = new Schema.Parser().parse(in);
        }
        Schema completionBefore = SchemaEditing.withoutFields(Completion.getClassSchema(), "outputs", "tool_calls");
        String[] subjects = {"it.beam-requests-value", "it.beam-completions-value"};
        Schema[] before = {requestBefore, completionBefore};
        Schema[] now = {InferenceRequest.getClassSchema(), Completion.getClassSchema()};
        for (int i = 0; i < 2; i++) {
            client.setCompatibility(subjects[i], Compatibility.BACKWARD);
            int old = client.register(subjects[i], before[i]);
            assertTrue(client.isCompatible(subjects[i], now[i]), subjects[i] + ": the registry refuses the change");
            assertNotEquals(old, client.register(subjects[i], now[i]));
        }
        // Guards the guard: the same kind of change without a default is refused by the same registry.
        Schema broken = SchemaEditing.withField(completionBefore, "{\"name\":\"beams\",\"type\":\"int\"}");
        assertFalse(client.isCompatible(subjects[1], broken));
    }

    @Test
    void registeringTheSameSchemaAgainGivesTheSameIdAndLookupFindsIt() {
        String subject = "it.idempotent-value";
        int id = client.register(subject, CompletionChunk.getClassSchema());
        try (var fresh = new SchemaRegistryClient(client.config())) {
            assertEquals(id, fresh.register(subject, CompletionChunk.getClassSchema()));
            assertEquals(id, fresh.idOf(subject, CompletionChunk.getClassSchema()));
            assertEquals(CompletionChunk.getClassSchema(), fresh.schemaById(id));
        }
    }

    @Test
    void unknownSchemaIdAndUnknownSubjectAreNotFound() {
        try (var fresh = new SchemaRegistryClient(client.config())) {
            var unknownId = assertThrows(RegistryException.class, () -> fresh.schemaById(0x7ffffff0));
            assertTrue(unknownId.isNotFound(), unknownId.status() + " " + unknownId.errorCode() + " " + unknownId.getMessage());
            assertEquals(40403, unknownId.errorCode(), "the registry's own code for an unknown schema id");
            assertTrue(assertThrows(RegistryException.class,
                    () -> fresh.idOf("it.never-registered-value", CompletionChunk.getClassSchema())).isNotFound());
            assertEquals(Optional.empty(), fresh.compatibility("it.never-configured-value"));
        }
    }

    @Test
    void deserializerSaysUnknownIdForBytesFromAnotherRegistry() {
        byte[] foreign = {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xf0, 0x02, 'r', 0, 0, 0, 0};
        try (var deserializer = new ConfluentAvroDeserializer<>(client, CompletionChunk.class)) {
            var e = assertThrows(UnreadableRecordException.class, () -> deserializer.deserialize("t", foreign));
            assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
            assertEquals(0x7ffffff0, e.schemaId());
        }
    }

    @Test
    void olderWriterVersionReadsAsTodaysClassThroughTheRegistry() throws Exception {
        String topic = "it.resolution";
        Schema v1 = requestV1();
        int v1Id = client.register(topic + "-value", v1);
        InferenceRequest original = Samples.request("through-registry");
        byte[] bytes = SchemaEditing.framed(v1Id, v1, SchemaEditing.project(original, v1));
        try (var own = new SchemaRegistryClient(client.config());
             var deserializer = new ConfluentAvroDeserializer<>(own, InferenceRequest.class)) {
            InferenceRequest read = deserializer.deserialize(topic, bytes);
            assertEquals(InferenceRequest.newBuilder(original).setSessionId(null)
                    .setMetadata(java.util.Map.of()).build(), read);
        }
    }

    @Test
    void startUpRegistrationPutsEveryTopicUnderBackward() {
        var renamed = new java.util.LinkedHashMap<String, Schema>();
        TopicSchemas.defaults().forEach((topic, schema) -> renamed.put("it.startup." + topic, schema));
        var ids = TopicSchemas.ensureRegistered(client, renamed);
        assertEquals(renamed.keySet(), ids.keySet());
        try (var fresh = new SchemaRegistryClient(client.config())) {
            renamed.forEach((topic, schema) -> {
                assertEquals(Optional.of(Compatibility.BACKWARD), fresh.compatibility(topic + "-value"));
                assertEquals(ids.get(topic), fresh.idOf(topic + "-value", schema));
            });
            // Idempotent: a second start-up (no cache) finds the same ids.
            assertEquals(ids, TopicSchemas.ensureRegistered(fresh, renamed));
        }
    }
}
