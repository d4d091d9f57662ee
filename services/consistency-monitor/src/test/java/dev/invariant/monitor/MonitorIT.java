package dev.invariant.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.serde.ConfluentAvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The monitor on the real broker and registry: two instances share the work; crafted completions (and a record
 * that is not a completion) are produced as any client would; the divergence reaches the compacted consistency
 * topic, and each instance answers for every partition.
 */
class MonitorIT {
    static final Duration WAIT = Duration.ofSeconds(90);
    final MonitorFixture f = MonitorFixture.get();

    @Test
    void divergencesReachTheTopicAndEveryInstanceAnswersForAllPartitions() throws Exception {
        String run = Long.toString(System.nanoTime(), 36);
        long base = f.getJson(f.a.http("/api/overview")).at("/total/completions").asLong();
        List<String> fingerprints = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String fp = Completions.fingerprint(run + "-same-" + i);
            fingerprints.add(fp);
            for (int r = 0; r < 2; r++) {
                f.send(Completions.of(run + "-s" + i + "-" + r, fp, List.of(7, 8, i), "same " + i, "portable", "cpu",
                        "w" + r, 20));
            }
        }
        String divergent = Completions.fingerprint(run + "-divergent");
        f.send(Completions.of(run + "-d0", divergent, List.of(1, 2, 3, 4, 5), "one two three four", "portable", "cpu", "w0", 30));
        f.send(Completions.of(run + "-d1", divergent, List.of(1, 2, 3, 4, 5), "one two three four", "portable", "cpu", "w1", 30));
        f.send(Completions.of(run + "-d2", divergent, List.of(1, 2, 9, 4, 5), "one two nine four", "naive", "cuda", "gpu-0", 30));
        f.send(Completions.failed(run + "-failed"));
        f.sendRaw(run + "-junk", new byte[] {0, 0, 0, 0, 1, 5, 5, 5});
        long expected = base + 24 + 3 + 1;

        for (MonitorProcess m : List.of(f.a, f.b)) {
            f.await(m.http("/api/overview"), o -> o.at("/total/completions").asLong() == expected, WAIT);
        }
        long localA = sum(f.getJson(f.a.http("/api/local/snapshot")).get("totals"));
        long localB = sum(f.getJson(f.b.http("/api/local/snapshot")).get("totals"));
        assertEquals(expected, localA + localB, "the instances' parts add up to the whole");
        assertTrue(localA > 0 && localB > 0, "both instances hold partitions: " + localA + " / " + localB);

        // Every fingerprint, from either instance, whichever holds it.
        for (String fp : fingerprints) {
            assertEquals(2, f.getJson(f.a.http("/api/fingerprints/" + fp)).get("completions").asLong());
            assertEquals(2, f.getJson(f.b.http("/api/fingerprints/" + fp)).get("completions").asLong());
        }
        JsonNode div = f.getJson(f.b.http("/api/requests/" + run + "-d2"));
        assertEquals(divergent, div.get("fingerprint").asText());
        assertEquals(2, div.at("/view/outputs").size());
        assertEquals(2, div.at("/view/outputs/1/firstDifference").asInt());
        JsonNode overview = f.getJson(f.a.http("/api/overview"));
        assertTrue(overview.get("divergences").findValuesAsText("fingerprint").contains(divergent));

        // Completions of different request ids sit in different partitions: which output the monitor saw first
        // is not fixed, so the event is checked whichever way round it came.
        ConsistencyEvent event = readEvent(divergent);
        assertEquals(2, event.getFirstDifference());
        assertEquals(2, event.getDistinctOutputs());
        assertEquals(java.util.Set.of(List.of(1, 2, 3, 4, 5), List.of(1, 2, 9, 4, 5)),
                java.util.Set.of(event.getExpected().getTokensAround(), event.getActual().getTokensAround()));
        var naiveSide = event.getActual().getTokensAround().get(2) == 9 ? event.getActual() : event.getExpected();
        assertEquals("gpu-0", naiveSide.getProducer().getWorkerId());
        assertEquals("naive", naiveSide.getProducer().getNumericsProfile());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, f.stack.bootstrapServers()))) {
            var res = new ConfigResource(ConfigResource.Type.TOPIC, Topics.CONSISTENCY);
            assertEquals("compact", admin.describeConfigs(List.of(res)).all().get().get(res).get("cleanup.policy").value());
        }
    }

    @Test
    void metricsCountDivergencesByBreakdown() throws java.io.IOException {
        String run = Long.toString(System.nanoTime(), 36);
        String fp = Completions.fingerprint(run + "-metrics");
        f.send(Completions.of(run + "-m0", fp, List.of(3, 3), "a", "fast", "cuda", "g0", 5));
        f.send(Completions.of(run + "-m1", fp, List.of(3, 4), "b", "fast", "cuda", "g1", 5));
        long end = System.nanoTime() + WAIT.toNanos();
        double seen = 0;
        while (System.nanoTime() < end && seen < 1) {
            seen = 0;
            for (MonitorProcess m : List.of(f.a, f.b)) {
                String text = f.get(m.http("/q/metrics")).body();
                assertTrue(text.contains("invariant_consistency_rate"), text);
                assertTrue(text.contains("invariant_fingerprints_tracked"), text);
                Matcher mm = Pattern.compile("invariant_divergences_total\\{[^}]*profile=\"fast\"[^}]*} ([0-9.eE+]+)").matcher(text);
                while (mm.find()) seen += Double.parseDouble(mm.group(1));
            }
            sleep();
        }
        assertEquals(1.0, seen, "one divergence of the fast profile across the instances' metrics");

        // The Grafana dashboard asks only for metrics the monitor exposes.
        String exposed = f.get(f.a.http("/q/metrics")).body();
        String grafana = java.nio.file.Files.readString(java.nio.file.Path.of("grafana", "invariant-consistency.json"));
        Matcher names = Pattern.compile("invariant_[a-z_]+").matcher(grafana);
        int checked = 0;
        while (names.find()) {
            assertTrue(exposed.contains("\n" + names.group() + "{") || exposed.contains("\n" + names.group() + " "),
                    names.group() + " is not exposed at /q/metrics");
            checked++;
        }
        assertTrue(checked >= 6, "the Grafana dashboard names " + checked + " metrics");
    }

    @Test
    void badLookupsAreAnsweredNotCrashed() {
        assertEquals(400, f.get(f.a.http("/api/fingerprints/" + "x".repeat(600))).statusCode());
        assertEquals(404, f.get(f.a.http("/api/fingerprints/" + "0".repeat(64))).statusCode());
        assertEquals(404, f.get(f.b.http("/api/requests/no-such-request")).statusCode());
        assertEquals(200, f.get(f.a.http("/q/health/ready")).statusCode());
    }

    @Test
    void basicAuthGuardsTheDashboardWhenConfigured() throws Exception {
        // Its own application id: it does not take partitions from the two shared instances.
        var guarded = new MonitorProcess("monitor-auth", java.nio.file.Path.of("target", "quarkus-app", "quarkus-run.jar")
                .toAbsolutePath(), List.of("-Dkafka.bootstrap.servers=" + f.stack.bootstrapServers(),
                "-Dinvariant.registry.url=" + f.stack.ccompatUrl(), "-Dquarkus.kafka-streams.application-id=monitor-auth-it",
                "-Dkafka-streams.state.dir=" + java.nio.file.Files.createTempDirectory("monitor-auth"),
                "-Dinvariant.dashboard.basic-auth=alice:s3cret"));
        try {
            guarded.start();
            var http = java.net.http.HttpClient.newHttpClient();
            for (String path : List.of("/", "/api/overview")) {
                var anonymous = http.send(java.net.http.HttpRequest.newBuilder(guarded.http(path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(401, anonymous.statusCode(), path);
                var wrong = http.send(java.net.http.HttpRequest.newBuilder(guarded.http(path))
                        .header("Authorization", basic("alice:wrong")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(401, wrong.statusCode(), path);
                // Ready (health) can come just before the stores are (503 meanwhile): wait for 200.
                java.net.http.HttpResponse<String> right;
                long end = System.nanoTime() + WAIT.toNanos();
                do {
                    right = http.send(java.net.http.HttpRequest.newBuilder(guarded.http(path)).header("Authorization",
                            basic("alice:s3cret")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (right.statusCode() == 503) sleep();
                } while (right.statusCode() == 503 && System.nanoTime() < end);
                assertEquals(200, right.statusCode(), path + ": " + right.body());
            }
            assertEquals(200, f.get(guarded.http("/q/health/ready")).statusCode(), "probes stay open");
            // ... and only they: a path through /q/ that resolves elsewhere is guarded like where it leads
            for (String path : List.of("/q/../api/overview", "/q/%2e%2e/api/overview", "/q/./../", "/q/..%2fapi/overview")) {
                var sneaky = http.send(java.net.http.HttpRequest.newBuilder(guarded.http(path)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertTrue(sneaky.statusCode() == 401 || sneaky.statusCode() == 404 || sneaky.statusCode() == 400,
                        path + " answered " + sneaky.statusCode() + ": " + sneaky.body());
            }
        } finally {
            guarded.stop();
        }
    }

    private static String basic(String userInfo) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private ConsistencyEvent readEvent(String fingerprint) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, f.stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(),
                new ConfluentAvroDeserializer<>(f.registry, ConsistencyEvent.class))) {
            var parts = consumer.partitionsFor(Topics.CONSISTENCY).stream()
                    .map(p -> new TopicPartition(Topics.CONSISTENCY, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long end = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < end) {
                for (var r : consumer.poll(Duration.ofMillis(300))) {
                    if (fingerprint.equals(r.key())) return r.value();
                }
            }
        }
        throw new AssertionError("no ConsistencyEvent for " + fingerprint + " on " + Topics.CONSISTENCY);
    }

    private static long sum(JsonNode totals) {
        long n = 0;
        for (JsonNode t : totals) n += t.get("completions").asLong();
        return n;
    }

    private static void sleep() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
