package dev.invariant.worker.metrics;

import io.micrometer.prometheus.PrometheusMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/**
 * The worker's Prometheus metrics also at {@code GET /metrics}, where vLLM serves them, so a scrape configured for a
 * vLLM server reads this worker unchanged ({@code /q/metrics} is Quarkus's own place for the same text). Open, as
 * vLLM leaves it, without the API key.
 */
@Path("/metrics")
public class MetricsResource {
    private final PrometheusMeterRegistry registry;

    public MetricsResource(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String scrape() {
        return registry.scrape();
    }
}
