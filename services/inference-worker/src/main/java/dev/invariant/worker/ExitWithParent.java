package dev.invariant.worker;

import dev.invariant.worker.config.WorkerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Stops the worker when the process that started it is gone. The CLI ({@code demo}, {@code bench-pipeline}) starts
 * the worker as a child and passes its own pid as {@code invariant.parent.pid}; its shutdown hook stops the worker on
 * a normal exit, this covers the exits no hook sees (kill -9, the embedded broker halting that JVM), which would
 * otherwise leave a worker running with no broker. The exit is the SIGTERM path: admitted requests drain within the
 * grace period.
 */
@ApplicationScoped
public class ExitWithParent {
    private static final Logger LOG = Logger.getLogger(ExitWithParent.class);

    void watch(@Observes StartupEvent started, WorkerConfig config) {
        if (config.parentPid().isEmpty()) return;
        long pid = config.parentPid().get();
        ProcessHandle.of(pid).map(ProcessHandle::onExit).orElse(CompletableFuture.completedFuture(null))
                .thenRunAsync(() -> { // never on the start-up thread: an exit there would wait on the start itself
                    LOG.warnf("the process that started this worker (pid %d) is gone: shutting down", pid);
                    System.exit(0);
                });
    }
}
