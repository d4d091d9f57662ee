package dev.invariant.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Sampling;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM on a worker process under load. With room in its grace period it finishes every admitted request and
 * commits: nothing is left for the next worker. With a grace period shorter than the work, it exits within the
 * period and hands the rest back uncommitted: the next worker of the group answers them, identically.
 */
class ShutdownIT {

    @Test
    void sigtermFinishesAdmittedRequestsAndCommitsTheirOffsets() throws Exception {
        String topic = WorkerFixture.DRAIN_REQUESTS;
        // One sequence per step: the requests run one after another, so SIGTERM finds some still to finish.
        var worker = worker("drain", topic, "60s", 1);
        try (var clients = new Clients(); var completions = clients.completions()) {
            int n = 8;
            send(clients, topic, "drain-", n, 240);
            awaitRunning(worker);
            long t0 = System.nanoTime();
            worker.stop();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 60_000, "exited " + ms + " ms after SIGTERM, beyond its grace period");
            String log = Files.readString(worker.log());
            assertTrue(log.matches("(?s).*draining: [1-9][0-9]* requests in flight.*"), "SIGTERM came mid-run");
            assertTrue(log.contains("drained in"), "the worker drained");
            var all = completions.await(c -> c.getRequestId().startsWith("drain-"), l -> l.size() >= n,
                    Duration.ofSeconds(30), l -> l.size() + " of " + n + " answered before exiting");
            assertEquals(n, all.stream().map(Completion::getRequestId).distinct().count());
            assertEquals(endOffsets(clients, topic), committed(clients, topic, "test-drain"),
                    "every request's offset committed before the worker exited");
        } finally {
            worker.stop();
        }
    }

    @Test
    void aShortGracePeriodExitsInTimeAndTheGroupAnswersTheRestIdentically() throws Exception {
        String topic = WorkerFixture.HANDBACK_REQUESTS;
        // Far more work than 6 s can hold on any machine: 120 requests of 480 tokens, one at a time (≈ 20 s here).
        int n = 120;
        var worker = worker("handback", topic, "6s", 1);
        try (var clients = new Clients(); var completions = clients.completions()) {
            send(clients, topic, "handback-", n, 480);
            awaitRunning(worker);
            long t0 = System.nanoTime();
            Process p = worker.process();
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 6_000 + 1_500, "exited " + ms + " ms after SIGTERM with a 6 s grace period");
            int before = completions.values(c -> c.getRequestId().startsWith("handback-")).size();
            assertTrue(before < n, "the work outlasted the grace period (" + before + " of " + n + " answered)");
            assertTrue(Files.readString(worker.log()).contains("handing them back"));

            var next = worker("handback", topic, "60s", 64);
            try {
                var all = completions.await(c -> c.getRequestId().startsWith("handback-"),
                        l -> l.stream().map(Completion::getRequestId).distinct().count() == n, Duration.ofMinutes(4),
                        l -> l.stream().map(Completion::getRequestId).distinct().count() + " of " + n + " answered");
                Map<String, Set<String>> hashes = all.stream().collect(Collectors.groupingBy(Completion::getRequestId,
                        Collectors.mapping(Completion::getOutputHash, Collectors.toSet())));
                hashes.forEach((id, h) -> assertEquals(1, h.size(), id + " answered twice differently: " + h));
            } finally {
                next.stop();
            }
        } finally {
            worker.stop();
        }
    }

    @Test
    void exitsWhenTheProcessThatStartedItIsGone() throws Exception {
        Process parent = new ProcessBuilder("sleep", "600").start();
        var worker = worker("orphan", WorkerFixture.ORPHAN_REQUESTS, "10s", 1,
                "-Dinvariant.parent.pid=" + parent.pid());
        try {
            assertTrue(worker.process().isAlive(), "the worker runs while its parent does");
            parent.destroyForcibly(); // as kill -9: no hook of the parent's runs
            parent.waitFor();
            assertTrue(worker.process().waitFor(30, TimeUnit.SECONDS), "still running 30 s after its parent died");
            assertEquals(0, worker.process().exitValue(), "the SIGTERM path's clean exit");
            assertTrue(Files.readString(worker.log()).contains("(pid " + parent.pid() + ") is gone: shutting down"));
        } finally {
            parent.destroyForcibly();
            worker.stop();
        }
    }

    /** A worker of its own group on {@code topic}; its log starts empty (what a test reads is this run's). */
    static WorkerProcess worker(String name, String topic, String grace, int maxBatch, String... more)
            throws java.io.IOException {
        var fixture = WorkerFixture.get();
        var props = new java.util.ArrayList<>(List.of("-Dkafka.bootstrap.servers=" + fixture.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + fixture.stack.ccompatUrl(),
                "-Dinvariant.model=" + SharedModels.stories260K(), "-Dinvariant.threads=1",
                "-Dinvariant.topics.requests=" + topic, "-Dmp.messaging.incoming.requests.group.id=test-" + name,
                "-Dinvariant.shutdown.grace-period=" + grace, "-Dinvariant.batching.max-batch=" + maxBatch));
        props.addAll(List.of(more));
        var w = new WorkerProcess(name, props);
        Files.deleteIfExists(w.log());
        w.start();
        return w;
    }

    /** Sampled requests that run their full length (no end-of-text stop), so the load lasts. */
    static void send(Clients clients, String topic, String prefix, int n, int maxTokens) {
        for (int i = 0; i < n; i++) {
            InferenceRequest r = InferenceRequest.newBuilder().setRequestId(prefix + i).setModel("stories260K")
                    .setPrompt("Lily and Tom went to the park.").setSampling(Sampling.newBuilder()
                            .setMaxTokens(maxTokens).setTemperature(0.8f).setSeed((long) i).setIgnoreEos(true).build())
                    .build();
            clients.producer.send(new ProducerRecord<>(topic, Clients.key(r.getRequestId()), clients.encode(topic, r)));
        }
        clients.producer.flush();
    }

    /** Waits until the worker reports requests running in its engine. */
    static void awaitRunning(WorkerProcess worker) throws Exception {
        var http = HttpClient.newHttpClient();
        long end = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (System.nanoTime() < end) {
            String metrics = http.send(HttpRequest.newBuilder(worker.http("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (metrics.lines().anyMatch(l -> l.startsWith("num_requests_running") && !l.endsWith(" 0.0"))) return;
            Thread.sleep(20);
        }
        throw new AssertionError("the worker never reported running requests");
    }

    static Map<TopicPartition, Long> endOffsets(Clients clients, String topic) throws Exception {
        try (Admin admin = admin(clients)) {
            var spec = new HashMap<TopicPartition, OffsetSpec>();
            for (var p : admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()) {
                spec.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            var out = new HashMap<TopicPartition, Long>();
            admin.listOffsets(spec).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    static Map<TopicPartition, Long> committed(Clients clients, String topic, String group) throws Exception {
        try (Admin admin = admin(clients)) {
            var out = new HashMap<TopicPartition, Long>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) out.put(tp, om.offset());
            });
            return out;
        }
    }

    private static Admin admin(Clients clients) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, clients.fixture.stack.bootstrapServers()));
    }
}
