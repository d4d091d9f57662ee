package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

/**
 * Completions that cannot leave fast enough (the broker throttles the worker's producer to about 2 KB/s, as an
 * overloaded or quota-limited cluster would) push back on the intake: a request's admission permit is held until
 * its completion is acknowledged, so the worker never holds more than {@code max-in-flight} requests, takes no more
 * records than it can answer, and its heap stays bounded while thousands of requests wait in the topic. Once the
 * throttle is lifted, every request is answered.
 */
class BackPressureIT {
    private static final int REQUESTS = 1_500;
    private static final int MAX_IN_FLIGHT = 8;
    private static final String CLIENT_ID = "test-slow-out";

    @Test
    void aThrottledProducerPausesTheIntakeAndMemoryStaysBounded() throws Exception {
        var fixture = WorkerFixture.get();
        String topic = WorkerFixture.SLOW_REQUESTS;
        var worker = new WorkerProcess("slow", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.batching.max-in-flight=" + MAX_IN_FLIGHT, "-Dinvariant.topics.requests=" + topic,
                "-Dmp.messaging.incoming.requests.group.id=test-slow",
                "-Dmp.messaging.outgoing.out.client.id=" + CLIENT_ID));
        var http = HttpClient.newHttpClient();
        try (var clients = new Clients(); var completions = clients.completions();
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.stack.bootstrapServers()))) {
            throttle(admin, 2048.0);
            worker.start();
            ShutdownIT.send(clients, topic, "slow-", REQUESTS, 4);
            long maxHeld = 0;
            double maxHeapMb = 0;
            for (int s = 0; s < 20; s++) {
                Thread.sleep(500);
                String metrics = http.send(HttpRequest.newBuilder(worker.http("/q/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                // one count: running and waiting scraped apart can straddle a step that moves requests between them
                maxHeld = Math.max(maxHeld, (long) gauge(metrics, "num_requests_held"));
                maxHeapMb = Math.max(maxHeapMb, sum(metrics, "jvm_memory_used_bytes{area=\"heap\"") / 1e6);
            }
            int answeredWhileThrottled = completions.values(c -> c.getRequestId().startsWith("slow-")).size();
            System.out.printf("BackPressureIT: throttled 10 s: %d of %d answered, at most %d requests held, heap max %.0f MB%n",
                    answeredWhileThrottled, REQUESTS, maxHeld, maxHeapMb);
            assertTrue(maxHeld <= MAX_IN_FLIGHT, maxHeld + " requests held, more than max-in-flight");
            assertTrue(answeredWhileThrottled < REQUESTS / 2, "the throttle held the pipeline back: " + answeredWhileThrottled);
            assertTrue(maxHeapMb < 400, "heap " + maxHeapMb + " MB");

            throttle(admin, null);
            List<Completion> all = completions.await(c -> c.getRequestId().startsWith("slow-"),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() == REQUESTS, Duration.ofMinutes(3),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() + " of " + REQUESTS + " answered");
            assertEquals(REQUESTS, all.stream().map(Completion::getRequestId).distinct().count());
        } finally {
            worker.stop();
        }
    }

    /** Sets (or, with null, removes) the broker's produce quota for the worker's producer. */
    private static void throttle(Admin admin, Double bytesPerSecond) throws Exception {
        var entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, CLIENT_ID));
        admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
                List.of(new ClientQuotaAlteration.Op("producer_byte_rate", bytesPerSecond))))).all().get();
    }

    private static double gauge(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
