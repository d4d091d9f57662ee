package dev.invariant.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Plain Kafka clients and HTTP calls against a running stack, as any outside user would make them. */
final class StackClients {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedStack stack;
    private final HttpClient http = HttpClient.newHttpClient();

    StackClients(EmbeddedStack stack) {
        this.stack = stack;
    }

    void produce(String topic, String key, String value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                "bootstrap.servers", stack.bootstrapServers(), "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    /** Reads {@code topic} from the beginning with a fresh group until {@code count} records came or time is up. */
    List<String> consumeAll(String topic, int count, Duration timeout) {
        var seen = new ArrayList<String>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                "bootstrap.servers", stack.bootstrapServers(),
                "group.id", "stack-test-" + UUID.randomUUID(),
                "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.key() + "=" + r.value()));
            }
        }
        return seen;
    }

    /** POST /subjects/{subject}/versions; returns the schema id. */
    int registerSchema(String subject, String schema) throws Exception {
        var body = JSON.writeValueAsString(Map.of("schema", schema));
        var response = send(HttpRequest.newBuilder(URI.create(stack.ccompatUrl() + "/subjects/" + subject + "/versions"))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
        return JSON.readTree(response).get("id").asInt();
    }

    /** GET /schemas/ids/{id}; returns the schema text. */
    String schemaById(int id) throws Exception {
        return JSON.readTree(send(HttpRequest.newBuilder(URI.create(stack.ccompatUrl() + "/schemas/ids/" + id)).GET()))
                .get("schema").asText();
    }

    List<String> subjects() throws Exception {
        var names = new ArrayList<String>();
        JSON.readTree(send(HttpRequest.newBuilder(URI.create(stack.ccompatUrl() + "/subjects")).GET()))
                .forEach(n -> names.add(n.asText()));
        return names;
    }

    private String send(HttpRequest.Builder request) throws Exception {
        var response = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new AssertionError(response.request().uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}
