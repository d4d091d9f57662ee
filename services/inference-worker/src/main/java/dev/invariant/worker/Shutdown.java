package dev.invariant.worker;

import dev.invariant.worker.config.WorkerConfig;
import dev.invariant.worker.engine.Admission;
import dev.invariant.worker.engine.EngineService;
import dev.invariant.worker.kafka.Intake;
import dev.invariant.worker.kafka.Publisher;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Graceful shutdown (SIGTERM): stop admitting (the intake stops taking records), let admitted requests finish and
 * their completions be acknowledged, then stop the intake, which commits those offsets as it closes. Whatever is
 * not done when the drain budget runs out is handed back: its record is never acknowledged, so its offset stays
 * uncommitted and the next worker of the group re-runs it (same answer, by construction). At the end of the grace
 * period the process exits whatever is still running.
 */
@ApplicationScoped
public class Shutdown {
    private static final Logger LOG = Logger.getLogger(Shutdown.class);

    private volatile long signalled;

    /**
     * At the signal itself, not when Quarkus gets to its shutdown event (it first waits for open HTTP requests):
     * admission closes at once, so the Kafka intake stops taking records, and the grace period starts counting.
     */
    void onStart(@Observes StartupEvent event, EngineService engines, WorkerConfig config) {
        Duration grace = config.shutdown().gracePeriod();
        // The admission itself, taken now: through the bean's proxy the hook would build the engine again at exit
        // when the start failed or the bean was already destroyed (a model loaded just to close its admission).
        Admission admission = engines.admission();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            signalled = System.nanoTime();
            admission.close();
            startWatchdog(grace);
        }, "invariant-sigterm"));
    }

    void onStop(@Observes ShutdownEvent event, EngineService engines, Publisher publisher, Intake intake,
                WorkerConfig config) {
        Duration grace = config.shutdown().gracePeriod();
        long start = signalled != 0 ? signalled : System.nanoTime();
        long deadline = start + grace.toNanos();
        // Closing the Kafka clients (committing what was acknowledged, leaving the group: a few seconds at most)
        // needs the last part of the period.
        long drainEnd = deadline - Math.min(grace.toNanos() / 2, Duration.ofSeconds(5).toNanos());
        var drain = Thread.ofPlatform().name("invariant-drain").daemon().start(engines::drain);
        try {
            drain.join(Duration.ofNanos(Math.max(0, drainEnd - System.nanoTime())));
            long left = Math.max(0, drainEnd - System.nanoTime()) / 1_000_000;
            if (drain.isAlive()) {
                LOG.warnf("grace period: %d requests still running after %d ms; handing them back (their offsets"
                        + " stay uncommitted)", engines.admission().inFlight(), (System.nanoTime() - start) / 1_000_000);
            } else if (!publisher.awaitAcknowledged(left)) {
                LOG.warnf("%d records still unacknowledged after %d ms; their requests will be re-processed",
                        publisher.unacknowledged(), (System.nanoTime() - start) / 1_000_000);
            } else {
                LOG.infof("drained in %d ms", (System.nanoTime() - start) / 1_000_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        intake.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** The hard bound: a hung client or a stuck close cannot keep the process past the grace period. */
    private static void startWatchdog(Duration grace) {
        Thread.ofPlatform().name("invariant-shutdown-watchdog").daemon().start(() -> {
            try {
                Thread.sleep(grace);
            } catch (InterruptedException e) {
                return;
            }
            LOG.errorf("still running %d ms after SIGTERM (invariant.shutdown.grace-period): exiting now;"
                    + " unfinished requests will be re-run by the group", grace.toMillis());
            Runtime.getRuntime().halt(1);
        });
    }
}
