package dev.invariant.worker;

import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.kafka.Publisher;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Graceful shutdown, before the Kafka connector closes: stop admitting, let every admitted request finish, and wait
 * until its completion is acknowledged, so the connector commits those offsets as it closes. Records consumed but
 * not admitted are simply not committed: the next worker of the group takes them.
 */
@ApplicationScoped
public class Shutdown {
    private static final Logger LOG = Logger.getLogger(Shutdown.class);
    private static final long PUBLISH_WAIT_MS = 30_000;

    void onStop(@Observes ShutdownEvent event, EngineService engines, Publisher publisher) {
        engines.drain();
        try {
            if (!publisher.awaitAcknowledged(PUBLISH_WAIT_MS)) {
                LOG.warnf("%d records still unacknowledged after %d ms; their requests will be re-processed",
                        publisher.unacknowledged(), PUBLISH_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
