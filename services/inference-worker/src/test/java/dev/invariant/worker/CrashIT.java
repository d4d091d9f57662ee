package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Killing the worker mid-batch loses nothing: after a restart every request has its completion, and any
 * request answered twice was answered identically. */
class CrashIT {
    private static final int N = 40;

    @Test
    void aKilledWorkerLosesNoRequestAndRepeatsAnswersIdentically() throws InterruptedException {
        var fixture = WorkerFixture.get();
        try (var clients = new Clients(); var completions = clients.completions()) {
            for (int i = 0; i < N; i++) {
                clients.send(Requests.sampled("crash-" + i, "Sara wanted to bake a cake for her mom.", 96, 0.7f, i)
                        .build());
            }
            // Some answered, some still running: kill -9 now.
            completions.await(c -> c.getRequestId().startsWith("crash-"), l -> !l.isEmpty(), Duration.ofMinutes(2),
                    l -> "no completion before the kill");
            fixture.killWorker();
            int beforeRestart = completions.values(c -> c.getRequestId().startsWith("crash-")).size();
            fixture.startWorker();

            List<Completion> all = completions.await(c -> c.getRequestId().startsWith("crash-"),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() == N, Duration.ofMinutes(4),
                    l -> l.stream().map(Completion::getRequestId).distinct().count() + " of " + N + " answered");
            Map<String, Set<String>> hashes = all.stream().collect(Collectors.groupingBy(Completion::getRequestId,
                    Collectors.mapping(Completion::getOutputHash, Collectors.toSet())));
            assertEquals(N, hashes.size(), "every request has a completion");
            hashes.forEach((id, h) -> assertEquals(1, h.size(), id + " was answered twice differently: " + h));
            all.forEach(c -> assertNull(c.getError(), c.getRequestId() + ": " + c.getError()));
            assertTrue(beforeRestart < N, "the kill came mid-batch (" + beforeRestart + " of " + N + " answered)");
        }
    }
}
