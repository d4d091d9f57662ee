package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.invariant.schemas.Completion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code invariant.delivery.guarantee=exactly-once}: a worker killed with {@code kill -9} mid-run and restarted
 * (same worker id, so the same transactional id) leaves a {@code read_committed} consumer exactly one completion per
 * request: what was committed before the kill is not re-run, what was running is re-run once.
 */
class ExactlyOnceIT {

    @Test
    void aKilledTransactionalWorkerLeavesExactlyOneCompletionPerRequest() throws Exception {
        var fixture = WorkerFixture.get();
        String topic = WorkerFixture.EOS_REQUESTS;
        var worker = new WorkerProcess("eos", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.batching.max-batch=4", "-Dinvariant.topics.requests=" + topic,
                "-Dinvariant.delivery.guarantee=exactly-once",
                "-Dmp.messaging.incoming.requests.group.id=test-eos",
                "-Dmp.messaging.incoming.requests.group.instance.id=test-eos-0"));
        try (var clients = new Clients(); var completions = clients.completions()) {
            worker.start();
            ShutdownIT.send(clients, topic, "eos-a-", 8, 32);
            completions.awaitCount(c -> c.getRequestId().startsWith("eos-a-"), 8, Duration.ofMinutes(2));
            ShutdownIT.send(clients, topic, "eos-b-", 32, 96);
            ShutdownIT.awaitRunning(worker);
            worker.kill();
            worker.start();
            List<Completion> answered = completions.await(c -> c.getRequestId().startsWith("eos-"),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() == 40, Duration.ofMinutes(3),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() + " of 40 answered");
            // A few more polls: a copy arriving late would show here.
            List<Completion> all = completions.awaitCount(c -> c.getRequestId().startsWith("eos-"), answered.size(),
                    Duration.ofMinutes(1));
            Map<String, Long> copies = all.stream().collect(Collectors.groupingBy(Completion::getRequestId,
                    Collectors.counting()));
            assertEquals(40, copies.size(), "every request answered");
            copies.forEach((id, n) -> assertEquals(1L, n, id + " seen " + n + " times by a read_committed consumer"));
            all.forEach(c -> assertNull(c.getError(), c.getRequestId()));
        } finally {
            worker.stop();
        }
    }
}
