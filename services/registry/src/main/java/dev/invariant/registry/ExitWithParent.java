package dev.invariant.registry;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.StartupEvent;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Stops the registry when the process that started it is gone. The embedded stack starts this registry as a
 * child JVM and passes its own pid as {@code invariant.parent.pid}; a shutdown hook in the parent covers normal
 * exits, this covers the ones no hook sees (kill -9, a crashed JVM), so the registry is never left orphaned.
 */
@ApplicationScoped
public class ExitWithParent {
    private static final Logger LOG = Logger.getLogger(ExitWithParent.class);

    void watch(@Observes StartupEvent started) {
        String pid = System.getProperty("invariant.parent.pid");
        if (pid == null || pid.isBlank()) {
            return;
        }
        var parent = ProcessHandle.of(Long.parseLong(pid.trim()));
        if (parent.isEmpty() || !parent.get().isAlive()) {
            stop(pid);
            return;
        }
        parent.get().onExit().thenRun(() -> stop(pid));
    }

    private static void stop(String pid) {
        LOG.infof("Parent process %s has exited; stopping the registry", pid);
        Quarkus.asyncExit(0);
    }
}
