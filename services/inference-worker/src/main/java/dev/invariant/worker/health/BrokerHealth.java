package dev.invariant.worker.health;

import dev.invariant.worker.kafka.KafkaSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the Kafka cluster answers (a metadata request through an admin client with the workers' own
 * {@code kafka.*} settings, SASL/SSL included). The intake's consumer cannot say so itself: it polls on quietly,
 * retrying, while no broker is reachable, so without this a worker would report ready with its broker gone.
 * An answer is reused for {@link #REUSE_NANOS}, so that probes in quick succession cost one request.
 */
@Readiness
@ApplicationScoped
public class BrokerHealth implements HealthCheck {
    static final int TIMEOUT_MS = 3_000;
    private static final long REUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<String, Object> adminSettings;
    private final String bootstrap;
    private Admin admin;
    private HealthCheckResponse last;
    private long lastAt;

    public BrokerHealth(KafkaSettings settings) {
        this.adminSettings = settings.admin();
        this.bootstrap = String.valueOf(adminSettings.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Override
    public synchronized HealthCheckResponse call() {
        if (last == null || System.nanoTime() - lastAt > REUSE_NANOS) {
            last = probe();
            lastAt = System.nanoTime();
        }
        return last;
    }

    private HealthCheckResponse probe() {
        var b = HealthCheckResponse.named("kafka-broker").withData("bootstrap_servers", bootstrap);
        try {
            if (admin == null) admin = Admin.create(adminSettings);
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(TIMEOUT_MS));
            int nodes = cluster.nodes().get(TIMEOUT_MS + 500L, TimeUnit.MILLISECONDS).size();
            return b.status(nodes > 0).withData("nodes", nodes).build();
        } catch (ExecutionException e) {
            return b.down().withData("error", String.valueOf(e.getCause())).build();
        } catch (TimeoutException | RuntimeException e) {
            return b.down().withData("error", e.toString()).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return b.down().withData("error", "interrupted").build();
        }
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) admin.close(Duration.ofSeconds(1));
    }
}
