package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The broker stops mid-run (a rolling restart, a crash) and comes back on the same address: the worker reconnects
 * by itself and every request gets its completion; any request answered twice was answered identically. Its
 * readiness says the broker is gone while it is.
 */
class BrokerRestartIT {

    @Test
    void theWorkerReconnectsAfterABrokerRestartAndFinishesEverything() throws Exception {
        var fixture = WorkerFixture.get();
        String topic = WorkerFixture.RESTART_REQUESTS;
        var worker = new WorkerProcess("restart", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.batching.max-batch=4", "-Dinvariant.topics.requests=" + topic,
                "-Dmp.messaging.incoming.requests.group.id=test-restart"));
        int n = 40;
        try (var clients = new Clients(); var completions = clients.completions()) {
            worker.start();
            ShutdownIT.send(clients, topic, "restart-", n, 96);
            ShutdownIT.awaitRunning(worker);
            var restart = Thread.ofPlatform().start(() -> fixture.stack.restartBroker(Duration.ofSeconds(8)));
            // Readiness follows the broker: down while it is gone (the intake alone polls on quietly), up after.
            String down = null;
            while (down == null && restart.isAlive()) {
                var r = worker.readiness();
                if (r.statusCode() == 503 && r.body().contains("\"kafka-broker\"")) down = r.body();
                else Thread.sleep(200);
            }
            restart.join();
            assertNotNull(down, "readiness never reported the broker down while it was stopped");
            assertTrue(down.matches("(?s).*\"name\"\\s*:\\s*\"kafka-broker\",\\s*\"status\"\\s*:\\s*\"DOWN\".*"), down);
            List<Completion> all = completions.await(c -> c.getRequestId().startsWith("restart-"),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() == n, Duration.ofMinutes(3),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() + " of " + n + " answered");
            Map<String, List<Completion>> byId = all.stream().collect(Collectors.groupingBy(Completion::getRequestId));
            byId.forEach((id, copies) -> {
                assertNull(copies.getFirst().getError(), id);
                assertEquals(1, copies.stream().map(Completion::getOutputHash).distinct().count(), id);
            });
            assertEquals(n, byId.size());
            assertEquals(200, worker.readiness().statusCode(), "ready again once the broker is back");
        } finally {
            worker.stop();
        }
    }
}
