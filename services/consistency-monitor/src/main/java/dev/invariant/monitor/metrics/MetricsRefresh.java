package dev.invariant.monitor.metrics;

import dev.invariant.monitor.query.Cluster;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Reads this instance's totals store into {@link MonitorMetrics} every few seconds. */
@ApplicationScoped
public class MetricsRefresh {
    private static final Logger LOG = Logger.getLogger(MetricsRefresh.class);

    @Inject
    Cluster cluster;
    @Inject
    MonitorMetrics metrics;
    @ConfigProperty(name = "invariant.metrics.refresh", defaultValue = "2s")
    java.time.Duration every;

    private ScheduledExecutorService timer;

    void start(@Observes StartupEvent e) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics-refresh");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent e) {
        if (timer != null) timer.shutdownNow();
    }

    private void refresh() {
        try {
            metrics.update(cluster.local().totals());
        } catch (InvalidStateStoreException e) {
            LOG.debugf("metrics not refreshed: %s", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("metrics not refreshed: %s", e.toString());
        }
    }
}
