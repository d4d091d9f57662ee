package dev.invariant.worker.health;

import dev.invariant.worker.engine.EngineService;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the model is loaded and the engine takes requests (not while draining for shutdown). */
@Readiness
@ApplicationScoped
public class EngineHealth implements HealthCheck {
    private final EngineService engines;

    public EngineHealth(EngineService engines) {
        this.engines = engines;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("engine")
                .status(!engines.draining())
                .withData("model", engines.modelName())
                .withData("profile", engines.profile().wireName())
                .withData("backend", engines.engine().backendDescription())
                .withData("in_flight", engines.admission().inFlight())
                .withData("max_in_flight", engines.admission().limit())
                .build();
    }
}
