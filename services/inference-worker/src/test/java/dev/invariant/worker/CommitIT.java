package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Offsets are committed once completions are acknowledged: after a burst is answered, the worker group's committed
 * offsets reach the end of every requests partition (nothing stalls behind a batch).
 */
class CommitIT {

    @Test
    void committedOffsetsReachTheEndOnceEveryRequestIsAnswered() throws Exception {
        WorkerFixture fixture = WorkerFixture.get();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (int i = 0; i < 40; i++) clients.send(Requests.text("commit-" + i, "The cat sat", 4).build());
            List<Completion> got = completions.awaitCount(c -> c.getRequestId().startsWith("commit-"), 40,
                    Duration.ofMinutes(3));
            assertEquals(40, got.size());
        }
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixture.stack.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int part = 0; part < 3; part++) latest.put(new TopicPartition(Topics.REQUESTS, part), OffsetSpec.latest());
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
            Map<TopicPartition, Long> committed = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                committed.clear();
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets("invariant-workers")
                        .partitionsToOffsetAndMetadata().get();
                offsets.forEach((tp, om) -> {
                    if (tp.topic().equals(Topics.REQUESTS) && om != null) committed.put(tp, om.offset());
                });
                if (committed.equals(ends)) break;
                Thread.sleep(500);
            }
            assertEquals(ends, committed, "committed offsets of the worker group vs the end of each partition");
        }
    }
}
