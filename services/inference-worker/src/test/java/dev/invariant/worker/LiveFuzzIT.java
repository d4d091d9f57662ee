package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.serde.SubjectNames;
import dev.invariant.worker.fuzz.RequestFuzzer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The bulk of the fuzzing runs without a broker (IntakeFuzzTest); here 2,000 of the same hostile records go through
 * a live worker on the real broker and registry: every record comes out as a completion (an error completion
 * included) or a dead letter, none twice, none missing, and the worker stays up.
 */
class LiveFuzzIT {
    private static final int RECORDS = 2_000;

    @Test
    void everyHostileRecordThroughALiveWorkerIsAccountedFor() throws Exception {
        var fixture = WorkerFixture.get();
        String topic = WorkerFixture.FUZZ_REQUESTS;
        String subject = SubjectNames.of(topic, false);
        int requestId = fixture.registry.register(subject, InferenceRequest.getClassSchema());
        int extendedId = fixture.registry.register(subject, RequestFuzzer.extendedSchema());
        var worker = new WorkerProcess("fuzz", List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.topics.requests=" + topic, "-Dmp.messaging.incoming.requests.group.id=test-fuzz"));
        var fuzzer = new RequestFuzzer(7, requestId, extendedId);
        try (var clients = new Clients(); var completions = clients.completions();
             var dlq = clients.reader(Topics.DLQ, DeadLetter.class)) {
            worker.start();
            for (int i = 0; i < RECORDS; i++) {
                clients.producer.send(new ProducerRecord<>(topic, Clients.key("lfuzz-" + i), fuzzer.next(i)));
            }
            clients.producer.flush();
            long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            int answered = 0;
            int letters = 0;
            while (answered + letters < RECORDS && System.nanoTime() < end) {
                answered = completions.awaitCount(c -> c.getWorkerId().equals("test-fuzz"), 0, Duration.ofSeconds(1)).size();
                letters = dlq.awaitCount(d -> d.getTopic().equals(topic), 0, Duration.ofSeconds(1)).size();
            }
            answered = completions.awaitCount(c -> c.getWorkerId().equals("test-fuzz"), answered, Duration.ofSeconds(5)).size();
            letters = dlq.awaitCount(d -> d.getTopic().equals(topic), letters, Duration.ofSeconds(5)).size();
            System.out.printf("LiveFuzzIT: %d records -> %d completions (%d errors), %d dead letters%n", RECORDS,
                    answered, completions.values(c -> c.getWorkerId().equals("test-fuzz") && c.getError() != null).size(),
                    letters);
            assertEquals(RECORDS, answered + letters, "records in = completions + dead letters");
            assertTrue(worker.process().isAlive(), "the worker survived");
            List<Completion> ok = completions.values(c -> c.getWorkerId().equals("test-fuzz") && c.getError() == null);
            assertTrue(!ok.isEmpty(), "some fuzzed requests were valid and answered");
        } finally {
            worker.stop();
        }
    }
}
