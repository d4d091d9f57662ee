package dev.invariant.worker.health;

import dev.invariant.worker.kafka.Intake;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * The Kafka request intake: live unless it stopped on an error (then it takes no more requests, and a supervisor
 * restarts the worker); ready while it polls.
 */
@ApplicationScoped
public class IntakeHealth {
    private final Intake intake;

    public IntakeHealth(Intake intake) {
        this.intake = intake;
    }

    @Produces
    @Liveness
    HealthCheck alive() {
        return () -> HealthCheckResponse.named("kafka-intake").status(intake.alive()).build();
    }

    @Produces
    @Readiness
    HealthCheck ready() {
        return () -> HealthCheckResponse.named("kafka-intake").status(intake.running()).build();
    }
}
