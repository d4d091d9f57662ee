package dev.invariant.worker.kafka;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.serde.AvroWireCodec;
import dev.invariant.schemas.serde.SubjectNames;
import dev.invariant.schemas.serde.UnreadableRecordException;
import dev.invariant.worker.config.WorkerConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro records in the Confluent wire format against any registry speaking the Confluent REST API. Writing
 * registers the record's schema under {@code <topic>-value} (cached after the first time); reading looks the
 * writer schema up by the id in the bytes.
 */
@ApplicationScoped
public class RecordCodec {
    private final SchemaRegistryClient registry;
    private final AvroWireCodec<InferenceRequest> requests = new AvroWireCodec<>(InferenceRequest.class);
    private final AvroWireCodec<SpecificRecord> writer = new AvroWireCodec<>(null);

    public RecordCodec(WorkerConfig config) {
        this.registry = new SchemaRegistryClient(new RegistryConfig(URI.create(config.registry().url()),
                Duration.ofMillis(config.registry().timeoutMs()), null));
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    /**
     * Reads a request record's value.
     *
     * @throws UnreadableRecordException the bytes are not a readable InferenceRequest, and never will be
     * @throws RegistryException         with {@link RegistryException#isTransient()}: the registry could not be
     *                                   asked; try again later
     */
    public InferenceRequest decodeRequest(byte[] value) {
        if (value == null) {
            throw new UnreadableRecordException(UnreadableRecordException.Reason.NOT_WIRE_FORMAT,
                    UnreadableRecordException.NO_SCHEMA_ID, "the record has no value (a tombstone): produce an"
                    + " Avro InferenceRequest in the Confluent wire format");
        }
        return requests.decode(value, this::writerSchema);
    }

    public byte[] encode(String topic, Completion c) {
        return encodeAny(topic, c);
    }

    public byte[] encode(String topic, CompletionChunk c) {
        return encodeAny(topic, c);
    }

    public byte[] encode(String topic, DeadLetter d) {
        return encodeAny(topic, d);
    }

    /** Registers the schema under {@code <topic>-value} (once per process) and encodes. */
    public byte[] encodeAny(String topic, SpecificRecord record) {
        int id = registry.register(SubjectNames.of(topic, false), record.getSchema());
        return writer.encode(id, record);
    }

    private Schema writerSchema(int id) {
        try {
            return registry.schemaById(id);
        } catch (RegistryException e) {
            if (e.isTransient()) throw e;
            throw new UnreadableRecordException(e.isNotFound() ? UnreadableRecordException.Reason.UNKNOWN_SCHEMA_ID
                    : UnreadableRecordException.Reason.INCOMPATIBLE_SCHEMA, id, "schema id " + id
                    + " cannot be used: " + e.getMessage() + " (was the record produced against another registry?)", e);
        }
    }

    @PreDestroy
    void close() {
        registry.close();
    }
}
