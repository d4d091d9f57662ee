package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.invariant.schemas.Completion;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A worker configured the container way (environment variables only): Kafka through the broker's SASL_PLAINTEXT
 * listener with SASL/PLAIN credentials (a client left on PLAINTEXT could not talk to that listener at all, so an
 * answered request proves the consumer and the producer both authenticated), an HTTP API key, and the default log
 * settings, under which no prompt or completion text reaches the log.
 */
class SecuredWorkerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "test-key-123";
    // Words that appear nowhere else in a worker's log: finding them there would mean the text was logged.
    private static final String KAFKA_PROMPT = "Zorblat the purple walrus";
    private static final String HTTP_PROMPT = "Quixotic marmalade sang";
    private static WorkerProcess worker;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        var fixture = WorkerFixture.get();
        Files.deleteIfExists(new WorkerProcess("secured", List.of()).log());
        worker = new WorkerProcess("secured", List.of("-Dinvariant.threads=1"), Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", fixture.stack.saslBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"" + WorkerFixture.SASL_USER + "\" password=\"" + WorkerFixture.SASL_PASSWORD + "\";",
                "INVARIANT_REGISTRY_URL", fixture.stack.ccompatUrl(),
                "INVARIANT_MODEL", SharedModels.stories260K().toString(),
                "INVARIANT_TOPICS_REQUESTS", WorkerFixture.SASL_REQUESTS,
                "MP_MESSAGING_INCOMING_REQUESTS_GROUP_ID", "test-sasl-workers",
                "INVARIANT_HTTP_API_KEY", API_KEY));
        worker.start();
    }

    @AfterAll
    static void stop() {
        if (worker != null) worker.stop();
    }

    @Test
    void kafkaThroughSaslPlainHttpWithAKeyAndNoTextInTheLog() throws Exception {
        try (var clients = new Clients(); var completions = clients.completions()) {
            String topic = WorkerFixture.SASL_REQUESTS;
            var request = Requests.text("sasl-1", KAFKA_PROMPT, 12).build();
            clients.send(new ProducerRecord<>(topic, Clients.key("sasl-1"), clients.encode(topic, request)));
            Completion c = completions.awaitCount(x -> x.getRequestId().equals("sasl-1"), 1, Duration.ofMinutes(2))
                    .getFirst();
            assertNull(c.getError());
            assertEquals("test-secured", c.getWorkerId());

            String body = """
                    {"model": "stories260K", "prompt": "%s", "max_tokens": 12, "temperature": 0}""".formatted(HTTP_PROMPT);
            assertUnauthorized(post(body, null), "no API key");
            assertUnauthorized(post(body, "Bearer wrong-key"), "incorrect API key");
            assertUnauthorized(post(body, "Basic " + API_KEY), "no API key");
            var ok = post(body, "Bearer " + API_KEY);
            assertEquals(200, ok.statusCode(), ok.body());
            String httpText = JSON.readTree(ok.body()).get("choices").get(0).get("text").asText();
            assertEquals(200, http.send(HttpRequest.newBuilder(worker.http("/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), "health stays open for probes");

            var tokenize = HttpRequest.newBuilder(worker.http("/tokenize")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"));
            assertUnauthorized(http.send(tokenize.build(), HttpResponse.BodyHandlers.ofString()), "no API key");
            assertEquals(200, http.send(tokenize.header("Authorization", "Bearer " + API_KEY).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            for (String open : List.of("/health", "/version", "/metrics")) {
                assertEquals(200, http.send(HttpRequest.newBuilder(worker.http(open)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode(), open + " stays open for probes");
            }

            String log = Files.readString(worker.log());
            for (String secret : List.of(KAFKA_PROMPT, HTTP_PROMPT, c.getText(), httpText)) {
                assertFalse(secret.length() > 8 && log.contains(secret), "the log holds request text: " + secret);
            }
        }
    }

    private static void assertUnauthorized(HttpResponse<String> r, String message) throws Exception {
        assertEquals(401, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertEquals("INVALID_API_KEY", error.get("code").asText());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(true, error.get("message").asText().contains(message), error.toString());
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(null));
    }

    private HttpResponse<String> post(String body, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(worker.http("/v1/completions")).header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
