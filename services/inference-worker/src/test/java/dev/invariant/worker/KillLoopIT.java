package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of a worker process mid-batch under load, many times in a row (20 by default;
 * {@code -Dinvariant.kill-cycles=N}): each cycle adds requests, starts the worker, waits until its engine is running
 * requests and kills it without warning. Afterwards every request has a completion, and every request answered more
 * than once was answered bit-identically (text, token ids, fingerprint, output hash). The worker uses static group
 * membership ({@code group.instance.id}), as a restarted container would, so each restart takes its partitions
 * back at once instead of waiting for the dead member's session to expire.
 */
class KillLoopIT {
    private static final int PER_CYCLE = 8;
    // Long enough that a warmed-up worker (it warms up before it takes a record) is still running them when the
    // test looks: at 96 tokens a cycle's requests could finish between two looks under CI load.
    private static final int MAX_TOKENS = 400;

    @Test
    void repeatedKillsLoseNoRequestAndRepeatAnswersBitIdentically() throws Exception {
        int cycles = Integer.getInteger("invariant.kill-cycles", 20);
        String topic = WorkerFixture.KILL_REQUESTS;
        var fixture = WorkerFixture.get();
        var worker = new WorkerProcess("kill", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.batching.max-batch=4", "-Dinvariant.topics.requests=" + topic,
                "-Dmp.messaging.incoming.requests.group.id=test-kill",
                "-Dmp.messaging.incoming.requests.group.instance.id=test-kill-worker-0"));
        Files.deleteIfExists(worker.log());
        var random = new SplittableRandom(12);
        long t0 = System.nanoTime();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (int c = 0; c < cycles; c++) {
                ShutdownIT.send(clients, topic, "kill-" + c + "-", PER_CYCLE, MAX_TOKENS);
                worker.start();
                ShutdownIT.awaitRunning(worker);
                Thread.sleep(random.nextInt(0, 400)); // the kill lands at a different point of the batch each time
                worker.kill();
            }
            long killed = System.nanoTime();
            worker.start();
            int n = cycles * PER_CYCLE;
            List<Completion> all = completions.await(x -> x.getRequestId().startsWith("kill-"),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() == n, Duration.ofMinutes(3),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() + " of " + n + " answered");
            Map<String, List<Completion>> byId = all.stream().collect(Collectors.groupingBy(Completion::getRequestId));
            assertEquals(n, byId.size(), "requests without a completion");
            int duplicates = 0;
            for (var copies : byId.values()) {
                Completion first = copies.getFirst();
                assertNull(first.getError(), first.getRequestId() + ": " + first.getError());
                for (Completion other : copies.subList(1, copies.size())) {
                    duplicates++;
                    assertEquals(first.getText(), other.getText(), first.getRequestId());
                    assertEquals(first.getTokenIds(), other.getTokenIds(), first.getRequestId());
                    assertEquals(first.getFingerprint(), other.getFingerprint(), first.getRequestId());
                    assertEquals(first.getOutputHash(), other.getOutputHash(), first.getRequestId());
                }
            }
            System.out.printf("KillLoopIT: %d kill -9 cycles in %.1f s, %d requests, %d answered twice or more"
                            + " (all identical), recovery after the last kill %.1f s%n", cycles,
                    (killed - t0) / 1e9, n, duplicates, (System.nanoTime() - killed) / 1e9);
            assertTrue(cycles >= 1);
        } finally {
            worker.stop();
        }
    }
}
