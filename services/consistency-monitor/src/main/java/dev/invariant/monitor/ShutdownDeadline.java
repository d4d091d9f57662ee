package dev.invariant.monitor;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Bounds the exit: Kafka Streams' close waits without limit for a broker that is gone (its transaction cannot end),
 * so from SIGTERM (or any exit) the process halts after {@code invariant.shutdown.grace-period} whatever still runs.
 * Nothing is lost: what was not committed is read again, and the stores rebuilt from their changelogs, at the next
 * start.
 */
@ApplicationScoped
public class ShutdownDeadline {
    private static final Logger LOG = Logger.getLogger(ShutdownDeadline.class);

    void arm(@Observes StartupEvent started, MonitorConfig config) {
        Duration grace = config.shutdown().gracePeriod();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Thread.ofPlatform().daemon()
                .name("invariant-shutdown-deadline").start(() -> {
                    try {
                        Thread.sleep(grace);
                    } catch (InterruptedException e) {
                        return;
                    }
                    LOG.errorf("still running %d ms after the exit began (invariant.shutdown.grace-period): halting",
                            grace.toMillis());
                    Runtime.getRuntime().halt(1);
                }), "invariant-sigterm"));
    }
}
