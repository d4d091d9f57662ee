package dev.invariant.monitor.kafka;

import dev.invariant.monitor.MonitorConfig;
import dev.invariant.monitor.metrics.MonitorMetrics;
import dev.invariant.monitor.topology.CompletionReader;
import dev.invariant.monitor.topology.MonitorTopology;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.registry.RegistryConfig;
import dev.invariant.schemas.registry.RegistryException;
import dev.invariant.schemas.registry.SchemaRegistryClient;
import dev.invariant.schemas.registry.TopicSchemas;
import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import dev.invariant.schemas.serde.ConfluentAvroSerializer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import io.smallrye.common.annotation.Identifier;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Gives the Quarkus Kafka Streams extension the monitor's topology, after preparing what it writes to: the
 * compacted consistency topic and the {@code ConsistencyEvent} schema under the topic's subject (BACKWARD).
 */
@ApplicationScoped
public class StreamsSetup {
    private static final Logger LOG = Logger.getLogger(StreamsSetup.class);
    @Inject
    MonitorConfig config;
    @Inject
    MonitorMetrics metrics;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;
    // Every kafka.* setting (security included), as Quarkus collects it for Kafka clients.
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaClientConfig;

    private SchemaRegistryClient registry;

    // Singleton, not ApplicationScoped: Kafka Streams must get the Topology itself, not a client proxy of it.
    @Produces
    @Singleton
    Topology topology() {
        String consistency = config.topics().consistency();
        ConsistencyTopic.ensureCompacted(adminConfig(), consistency, config.monitor().consistencyPartitions());
        registry = new SchemaRegistryClient(new RegistryConfig(URI.create(config.registry().url()),
                RegistryConfig.DEFAULT_TIMEOUT, config.registry().basicAuth().orElse(null)));
        registerEventSchema(consistency);
        var completions = new ConfluentAvroDeserializer<>(registry, Completion.class);
        String topic = config.topics().completions();
        var reader = new CompletionReader(bytes -> completions.deserialize(topic, bytes), metrics::skipped);
        var events = Serdes.serdeFrom(new ConfluentAvroSerializer<ConsistencyEvent>(registry, false, false),
                new ConfluentAvroDeserializer<>(registry, ConsistencyEvent.class));
        return MonitorTopology.build(config.settings(), reader, events);
    }

    /** The admin client's settings: the bootstrap servers and the security settings of every Kafka client. */
    private Map<String, Object> adminConfig() {
        var admin = new HashMap<String, Object>();
        kafkaClientConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) admin.put(k, v);
        });
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return admin;
    }

    /**
     * A stream thread that dies (say the registry could not be reached to read a record) is replaced: under
     * exactly-once nothing past the failed record was committed, so it is read again; the application never stops.
     */
    @Produces
    @Singleton
    StreamsUncaughtExceptionHandler onUncaught() {
        return e -> {
            LOG.errorf(e, "stream thread failed; replacing it (records since the last commit are processed again)");
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        };
    }

    // The embedded registry (H2) sometimes answers 500 on a lock timeout while busy: retry those a few times.
    private void registerEventSchema(String topic) {
        for (int attempt = 1; ; attempt++) {
            try {
                TopicSchemas.ensureRegistered(registry, Map.of(topic, ConsistencyEvent.getClassSchema()));
                return;
            } catch (RegistryException e) {
                if (!e.isTransient() || attempt == 10) throw e;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @PreDestroy
    void close() {
        if (registry != null) registry.close();
    }
}
