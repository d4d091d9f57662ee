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
import dev.invariant.schemas.serde.WireFormat;
import dev.invariant.worker.config.WorkerConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
    // Writer schemas this codec has already read with: a record naming one of them needs no registry call.
    private final Map<Integer, Schema> known = new ConcurrentHashMap<>();
    // The schema id of each topic written to, with the schema it is for: encoding another record of that schema
    // asks no registry, and finds the id without the registry client's cache, whose key compares whole schemas.
    private final Map<String, Registered> written = new ConcurrentHashMap<>();

    private record Registered(Schema schema, int id) {
    }

    public RecordCodec(WorkerConfig config) {
        this.registry = new SchemaRegistryClient(new RegistryConfig(URI.create(config.registry().url()),
                Duration.ofMillis(config.registry().timeoutMs()), config.registry().basicAuth().orElse(null)));
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

    /**
     * Whether {@link #decodeRequest} answers {@code value} without asking the registry (no blocking call): its
     * writer schema was read before, or the bytes are not in the wire format at all and fail at once.
     */
    public boolean readsWithoutRegistry(byte[] value) {
        if (value == null) return true;
        try {
            return known.containsKey(WireFormat.schemaId(value));
        } catch (UnreadableRecordException e) {
            return true;
        }
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
        Schema schema = record.getSchema();
        Registered r = written.get(topic);
        if (r == null || r.schema() != schema) {
            r = new Registered(schema, registry.register(SubjectNames.of(topic, false), schema));
            written.put(topic, r);
        }
        return writer.encode(r.id(), record);
    }

    /** Whether a record was written to {@code topic} before: writing another one (same schema) asks no registry. */
    public boolean writesWithoutRegistry(String topic) {
        return written.containsKey(topic);
    }

    private Schema writerSchema(int id) {
        Schema cached = known.get(id);
        if (cached != null) return cached;
        try {
            Schema schema = registry.schemaById(id);
            known.put(id, schema);
            return schema;
        } catch (RegistryException e) {
            if (e.isTransient() || e.isRegistryFault()) throw e; // the record is fine: it waits for the registry
            // The reason goes into the dead-letter record, read by whoever reads that topic: it names the problem
            // and the registry's answer, never the registry's URL (an internal address) nor its internal wording.
            boolean unknown = e.isNotFound();
            String answer = e.status() > 0 ? " (HTTP " + e.status() + (e.errorCode() != 0 ? ", error_code "
                    + e.errorCode() : "") + ")" : "";
            throw new UnreadableRecordException(unknown ? UnreadableRecordException.Reason.UNKNOWN_SCHEMA_ID
                    : UnreadableRecordException.Reason.INCOMPATIBLE_SCHEMA, id, "schema id " + id
                    + (unknown ? " is not known to the schema registry" : " cannot be used as an Avro writer schema")
                    + answer + ": was the record produced against another registry?", e);
        }
    }

    @PreDestroy
    void close() {
        registry.close();
    }
}
