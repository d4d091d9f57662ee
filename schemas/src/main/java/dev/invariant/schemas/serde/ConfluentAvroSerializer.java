package dev.invariant.schemas.serde;

import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer of generated Avro records in the Confluent wire format, against any registry that
 * speaks the Confluent REST API. The subject is {@code <topic>-value} (or {@code -key}); the schema is
 * registered on first use unless {@link SerdeConfig#AUTO_REGISTER} is false.
 *
 * <p>Kafka creates it by class name and calls {@link #configure}; code can also build it directly.
 */
public final class ConfluentAvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final AvroWireCodec<T> codec = new AvroWireCodec<>(null);
    private SchemaRegistryClient client;
    private boolean ownsClient;
    private boolean autoRegister;
    private boolean isKey;

    /** For Kafka, which then calls {@link #configure}. */
    public ConfluentAvroSerializer() {
    }

    /** Uses {@code client} (not closed by {@link #close()}). */
    public ConfluentAvroSerializer(SchemaRegistryClient client, boolean autoRegister, boolean isKey) {
        this.client = client;
        this.autoRegister = autoRegister;
        this.isKey = isKey;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        SerdeConfig config = SerdeConfig.fromKafka(configs, isKey);
        this.client = new SchemaRegistryClient(config.registry());
        this.ownsClient = true;
        this.autoRegister = config.autoRegister();
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) return null;
        if (client == null) throw new IllegalStateException("serializer used before configure()");
        String subject = SubjectNames.of(topic, isKey);
        Schema schema = data.getSchema();
        int id;
        try {
            id = autoRegister ? client.register(subject, schema) : client.idOf(subject, schema);
        } catch (RegistryException e) {
            throw new SerializationException(explain(e, subject, schema), e);
        }
        return codec.encode(id, data);
    }

    private String explain(RegistryException e, String subject, Schema schema) {
        String what = "cannot write " + schema.getFullName() + " to subject " + subject + ": ";
        if (e.isIncompatible()) {
            return what + "the registry rejects this schema as incompatible with the subject's earlier versions;"
                    + " evolve it by the BACKWARD rule (docs/schemas.md). " + e.getMessage();
        }
        if (e.isNotFound() && !autoRegister) {
            return what + "the schema is not registered and " + SerdeConfig.AUTO_REGISTER
                    + " is false; register it first. " + e.getMessage();
        }
        return what + e.getMessage();
    }

    @Override
    public void close() {
        if (ownsClient && client != null) client.close();
    }
}
