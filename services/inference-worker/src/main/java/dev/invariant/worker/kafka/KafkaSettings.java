package dev.invariant.worker.kafka;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.Config;

/**
 * The Kafka clients' settings: the {@code kafka.*} properties (also {@code KAFKA_*} variables: bootstrap servers,
 * SASL, SSL) shared by every client, then the requests consumer's {@code mp.messaging.incoming.requests.*} and the
 * producer's {@code mp.messaging.outgoing.out.*} properties over them (the names the worker has always read, e.g.
 * {@code MP_MESSAGING_INCOMING_REQUESTS_GROUP_ID}). Only the client's own configuration names are passed on.
 */
@ApplicationScoped
public class KafkaSettings {
    static final String CONSUMER_PREFIX = "mp.messaging.incoming.requests.";
    static final String PRODUCER_PREFIX = "mp.messaging.outgoing.out.";

    @Inject
    Config config;
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    /** The requests consumer's settings; offsets are committed by the worker only, never automatically. */
    public Map<String, Object> consumer() {
        var p = merged(ConsumerConfig.configNames(), CONSUMER_PREFIX);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "invariant-requests");
        return p;
    }

    /** The producer of completions, chunks, dead letters and replies. */
    public Map<String, Object> producer() {
        var p = merged(ProducerConfig.configNames(), PRODUCER_PREFIX);
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "invariant-out");
        return p;
    }

    /** An admin client's settings (the readiness check's): the shared {@code kafka.*} ones it understands. */
    public Map<String, Object> admin() {
        var p = new HashMap<String, Object>();
        kafka.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k)) p.put(k, v);
        });
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "invariant-health");
        return p;
    }

    /** The shared {@code kafka.*} settings a producer understands (the transactional one adds its own). */
    public Map<String, Object> sharedProducer() {
        var p = new HashMap<String, Object>();
        kafka.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) p.put(k, v);
        });
        return p;
    }

    private Map<String, Object> merged(Set<String> names, String prefix) {
        var p = new HashMap<String, Object>();
        kafka.forEach((k, v) -> {
            if (names.contains(k)) p.put(k, v);
        });
        // Looked up by name (not listed from the sources) so that environment variables are found as well.
        for (String name : names) config.getOptionalValue(prefix + name, String.class).ifPresent(v -> p.put(name, v));
        return p;
    }
}
