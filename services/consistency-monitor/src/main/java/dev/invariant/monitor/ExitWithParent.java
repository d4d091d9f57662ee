package dev.invariant.monitor;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Stops the monitor when the process that started it (the CLI's {@code demo}, which passes its pid as
 * {@code invariant.parent.pid}) is gone, also after an exit no shutdown hook sees (kill -9): its Kafka Streams
 * application would otherwise keep running with no broker.
 */
@ApplicationScoped
public class ExitWithParent {
    private static final Logger LOG = Logger.getLogger(ExitWithParent.class);

    void watch(@Observes StartupEvent started, MonitorConfig config) {
        if (config.parentPid().isEmpty()) return;
        long pid = config.parentPid().get();
        ProcessHandle.of(pid).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null))
                .thenRunAsync(() -> { // never on the start-up thread: an exit there would wait on the start itself
                    LOG.warnf("the process that started this monitor (pid %d) is gone: shutting down", pid);
                    System.exit(0);
                });
    }
}
