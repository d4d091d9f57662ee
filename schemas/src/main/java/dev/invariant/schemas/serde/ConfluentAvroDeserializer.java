package dev.invariant.schemas.serde;

import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer of Confluent-wire-format Avro into generated classes, against any registry that
 * speaks the Confluent REST API. The writer schema is fetched by the id in the record (once per id) and
 * resolved against the reader class, so records written with older or newer compatible schemas read.
 *
 * <p>Bytes that can never be read throw {@link UnreadableRecordException} (send the record to the DLQ);
 * a registry that cannot be reached throws a plain {@link SerializationException} (retry, don't DLQ).
 */
public final class ConfluentAvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private AvroWireCodec<T> codec;
    private SchemaRegistryClient client;
    private boolean ownsClient;

    /** For Kafka, which then calls {@link #configure}. */
    public ConfluentAvroDeserializer() {
    }

    /**
     * Uses {@code client} (not closed by {@link #close()}).
     *
     * @param readerClass the generated class to read into, or null for the class the writer schema names
     */
    public ConfluentAvroDeserializer(SchemaRegistryClient client, Class<T> readerClass) {
        this.client = client;
        this.codec = new AvroWireCodec<>(readerClass);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        SerdeConfig config = SerdeConfig.fromKafka(configs, isKey);
        this.client = new SchemaRegistryClient(config.registry());
        this.ownsClient = true;
        this.codec = new AvroWireCodec<>((Class<T>) config.readerClass());
    }

    /**
     * @throws UnreadableRecordException when the bytes can never be read as {@code T}
     * @throws SerializationException    when the registry could not be asked for the writer schema
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (codec == null) throw new IllegalStateException("deserializer used before configure()");
        return codec.decode(data, this::writerSchema);
    }

    private Schema writerSchema(int id) {
        try {
            return client.schemaById(id);
        } catch (RegistryException e) {
            if (e.isNotFound()) {
                throw new UnreadableRecordException(Reason.UNKNOWN_SCHEMA_ID, id, "schema id " + id
                        + " is unknown to the registry at " + client.config().baseUrl() + ": the record was written"
                        + " against another registry, or its bytes are not Confluent-format Avro", e);
            }
            if (e.status() == 422) {
                throw new UnreadableRecordException(Reason.INCOMPATIBLE_SCHEMA, id, e.getMessage(), e);
            }
            throw new SerializationException("could not fetch writer schema id " + id + " (record not judged,"
                    + " retry later): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient && client != null) client.close();
    }
}
