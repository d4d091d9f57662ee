package dev.invariant.worker.health;

import dev.invariant.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the schema registry answers its Confluent-compatible API ({@code GET /subjects}). */
@Readiness
@ApplicationScoped
public class RegistryHealth implements HealthCheck {
    private final String url;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public RegistryHealth(WorkerConfig config) {
        this.url = config.registry().url().replaceAll("/+$", "");
        this.authorization = config.registry().basicAuth().map(a -> "Basic " + Base64.getEncoder()
                .encodeToString(a.getBytes(StandardCharsets.UTF_8))).orElse(null);
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("schema-registry").withData("url", url);
        try {
            var request = HttpRequest.newBuilder(URI.create(url + "/subjects")).timeout(Duration.ofSeconds(3)).GET();
            if (authorization != null) request.header("Authorization", authorization);
            var r = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return b.status(r.statusCode() == 200).withData("status", r.statusCode()).build();
        } catch (IOException e) {
            return b.down().withData("error", e.toString()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return b.down().withData("error", "interrupted").build();
        }
    }
}
