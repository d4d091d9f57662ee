package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The schema registry becomes unreachable (its connection cut by a relay in front of the real registry), then the
 * relay answers a bare 404 to everything: records wait, none is dropped and none is dead-lettered for either; once the registry answers again, every readable
 * request gets its completion and every unreadable record its dead letter with the reason.
 */
class RegistryOutageIT {

    @Test
    void recordsWaitForTheRegistryAndNoneIsDroppedOrDeadLettered() throws Exception {
        var fixture = WorkerFixture.get();
        String topic = WorkerFixture.OUTAGE_REQUESTS;
        int n = 10;
        try (var proxy = new RegistryProxy(fixture.stack.ccompatUrl()); var clients = new Clients();
             var completions = clients.completions(); var dlq = clients.reader(Topics.DLQ, DeadLetter.class)) {
            var worker = new WorkerProcess("outage", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                    "-Dinvariant.registry.url=" + proxy.url(), "-Dinvariant.model=" + SharedModels.stories260K(),
                    "-Dinvariant.threads=1", "-Dinvariant.topics.requests=" + topic,
                    "-Dmp.messaging.incoming.requests.group.id=test-outage"));
            Files.deleteIfExists(worker.log());
            try {
                worker.start();
                proxy.cut();
                // A fresh worker knows no writer schema yet: every record needs the registry to be read or answered.
                for (int i = 0; i < n; i++) {
                    var r = Requests.text("outage-" + i, "The dog ran", 8).build();
                    clients.send(new ProducerRecord<>(topic, Clients.key(r.getRequestId()), clients.encode(topic, r)));
                }
                byte[] garbage = "not a record".getBytes(StandardCharsets.UTF_8);
                clients.send(new ProducerRecord<>(topic, Clients.key("outage-garbage"), garbage));
                Thread.sleep(6_000);
                assertEquals(List.of(), completions.values(c -> c.getRequestId().startsWith("outage-")),
                        "nothing can be answered while the registry is away");
                assertEquals(List.of(), dlq.values(d -> d.getTopic().equals(topic)), "nothing dead-lettered for an outage");
                assertTrue(Files.readString(worker.log()).contains("schema registry unavailable"));

                // A bare 404 for everything (no registry behind an ingress, or a wrong path) is not the registry
                // saying a schema id is unknown: the records keep waiting, none is dead-lettered.
                proxy.answerNotFound();
                Thread.sleep(4_000);
                assertEquals(List.of(), completions.values(c -> c.getRequestId().startsWith("outage-")));
                assertEquals(List.of(), dlq.values(d -> d.getTopic().equals(topic)), "nothing dead-lettered for a bare 404");

                proxy.restore();
                List<Completion> answered = completions.awaitCount(c -> c.getRequestId().startsWith("outage-"), n,
                        Duration.ofMinutes(2));
                assertEquals(n, answered.stream().map(Completion::getRequestId).distinct().count());
                answered.forEach(c -> assertNull(c.getError(), c.getRequestId()));
                List<DeadLetter> letters = dlq.awaitCount(d -> d.getTopic().equals(topic), 1, Duration.ofMinutes(1));
                assertEquals(1, letters.size(), "only the unreadable record is dead-lettered");
                assertTrue(letters.getFirst().getReason().contains("magic byte"), letters.getFirst().getReason());
            } finally {
                worker.stop();
            }
        }
    }
}
