package dev.invariant.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.monitor.query.LocalQueries;
import dev.invariant.monitor.query.Overview;
import dev.invariant.monitor.query.Snapshot;
import dev.invariant.monitor.query.StoreAccess;
import dev.invariant.monitor.topology.CompletionReader;
import dev.invariant.monitor.topology.Dims;
import dev.invariant.monitor.topology.MonitorSettings;
import dev.invariant.monitor.topology.MonitorTopology;
import dev.invariant.monitor.topology.StoreNames;
import dev.invariant.monitor.topology.Totals;
import dev.invariant.monitor.topology.WindowStats;
import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import dev.invariant.schemas.Topics;
import dev.invariant.schemas.serde.AvroWireCodec;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production topology, driven by {@link TopologyTestDriver}: every aggregate and the divergence event. */
class MonitorTopologyTest {
    static final int COMPLETION_SCHEMA_ID = 1;
    static final int EVENT_SCHEMA_ID = 2;
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration FINGERPRINT_RETENTION = Duration.ofHours(2);
    static final Dims PORTABLE_CPU = new Dims("stories260K", "invariant", "portable", "cpu");
    static final Dims NAIVE_CUDA = new Dims("stories260K", "invariant", "naive", "cuda");

    TopologyTestDriver driver;
    TestInputTopic<String, byte[]> completions;
    TestOutputTopic<String, ConsistencyEvent> events;
    final List<String> skipped = new ArrayList<>();
    final AvroWireCodec<Completion> completionCodec = new AvroWireCodec<>(Completion.class);
    LocalQueries queries;

    @BeforeEach
    void start() throws Exception {
        var settings = new MonitorSettings(Topics.COMPLETIONS, Topics.CONSISTENCY, Duration.ofSeconds(10),
                Duration.ofHours(1), 2, 4096, 16384, FINGERPRINT_RETENTION);
        var reader = new CompletionReader(b -> completionCodec.decode(b,
                id -> id == COMPLETION_SCHEMA_ID ? Completion.getClassSchema() : null), skipped::add);
        var eventCodec = new AvroWireCodec<>(ConsistencyEvent.class);
        var eventSerde = Serdes.serdeFrom((String t, ConsistencyEvent e) -> eventCodec.encode(EVENT_SCHEMA_ID, e),
                (t, b) -> eventCodec.decode(b, id -> ConsistencyEvent.getClassSchema()));
        var props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("monitor-ttd").toString());
        driver = new TopologyTestDriver(MonitorTopology.build(settings, reader, eventSerde), props, T0);
        completions = driver.createInputTopic(Topics.COMPLETIONS, new StringSerializer(), new ByteArraySerializer(),
                T0, Duration.ZERO);
        events = driver.createOutputTopic(Topics.CONSISTENCY, new StringDeserializer(), eventSerde.deserializer());
        queries = new LocalQueries(new StoreAccess() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
                return driver.getKeyValueStore(name);
            }

            @Override
            public ReadOnlyWindowStore<String, WindowStats> windows() {
                return driver.getWindowStore(StoreNames.WINDOWS);
            }
        }, 50);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    void send(Completion c, Instant at) {
        completions.pipeInput(c.getRequestId(), completionCodec.encode(COMPLETION_SCHEMA_ID, c), at);
    }

    Totals totals(Dims d) {
        Totals t = queries.totals().get(d.key());
        return t == null ? new Totals() : t;
    }

    @Test
    void repeatsWithOneOutputAreConsistentAndEmitNothing() {
        String fp = Completions.fingerprint("probe");
        for (int i = 0; i < 5; i++) {
            send(Completions.of("r" + i, fp, List.of(5, 6, 7), "a b c", "portable", "cpu", "w1", 100), T0.plusSeconds(i));
        }
        assertTrue(events.isEmpty(), "no event for reproduced outputs");
        Totals t = totals(PORTABLE_CPU);
        assertEquals(5, t.completions);
        assertEquals(1, t.fingerprints);
        assertEquals(1, t.repeated);
        assertEquals(0, t.divergent);
        assertEquals(1.0, t.consistencyRate());
        var state = queries.fingerprint(fp).orElseThrow();
        assertEquals(1, state.outputs.size());
        assertEquals(5, state.expected().count);
        assertEquals(T0.toEpochMilli(), state.expected().firstSeen);
        assertEquals(T0.plusSeconds(4).toEpochMilli(), state.expected().lastSeen);
        assertEquals("r0", state.expected().requestId);
        assertEquals(fp, queries.requestFingerprint("r3").orElseThrow());
    }

    @Test
    void aSecondOutputIsADivergenceEventWithWhereTheyPart() {
        String fp = Completions.fingerprint("probe");
        send(Completions.of("a", fp, List.of(10, 11, 12, 13, 14, 15), "Once upon a time there", "portable", "cpu", "w1", 50), T0);
        send(Completions.of("b", fp, List.of(10, 11, 12, 13, 14, 15), "Once upon a time there", "portable", "cpu", "w2", 50), T0.plusSeconds(1));
        send(Completions.of("c", fp, List.of(10, 11, 12, 99, 14, 15), "Once upon a dog there", "naive", "cuda", "gpu-3", 50), T0.plusSeconds(2));

        var kv = events.readKeyValue();
        assertEquals(fp, kv.key);
        ConsistencyEvent e = kv.value;
        assertEquals(2, e.getDistinctOutputs());
        assertEquals(3, e.getFirstDifference());
        assertEquals(1, e.getContextStart());
        assertEquals(List.of(11, 12, 13, 14, 15), e.getExpected().getTokensAround());
        assertEquals(List.of(11, 12, 99, 14, 15), e.getActual().getTokensAround());
        assertEquals("a", e.getExpected().getRequestId());
        assertEquals(2, e.getExpected().getCount());
        assertEquals("c", e.getActual().getRequestId());
        assertEquals("w1", e.getExpected().getProducer().getWorkerId());
        assertEquals("gpu-3", e.getActual().getProducer().getWorkerId());
        assertEquals("cuda", e.getActual().getProducer().getBackend());
        assertEquals("naive", e.getActual().getProducer().getNumericsProfile());
        String ex = e.getExpected().getTextAround();
        assertEquals('t', ex.charAt(e.getExpected().getTextDifference()));
        assertEquals('d', e.getActual().getTextAround().charAt(e.getActual().getTextDifference()));
        assertTrue(events.isEmpty());

        // Another completion with the divergent output: no new event. A third output: another event.
        send(Completions.of("d", fp, List.of(10, 11, 12, 99, 14, 15), "Once upon a dog there", "naive", "cuda", "gpu-3", 50), T0.plusSeconds(3));
        assertTrue(events.isEmpty());
        send(Completions.of("e", fp, List.of(10, 11), "Once upon", "naive", "cuda", "gpu-4", 50), T0.plusSeconds(4));
        ConsistencyEvent third = events.readValue();
        assertEquals(3, third.getDistinctOutputs());
        assertEquals(2, third.getFirstDifference(), "a prefix parts where the shorter one ends");

        // Fingerprint counts go to the first completion's breakdown; divergences to the one that diverged.
        assertEquals(1, totals(PORTABLE_CPU).divergent);
        assertEquals(0.0, totals(PORTABLE_CPU).consistencyRate());
        assertEquals(0, totals(PORTABLE_CPU).divergences);
        assertEquals(2, totals(NAIVE_CUDA).divergences);
        assertEquals(0, totals(NAIVE_CUDA).fingerprints);
        Snapshot s = queries.snapshot(T0.plusSeconds(5), Duration.ofMinutes(10));
        assertEquals(1, s.divergent().size());
        assertEquals(fp, s.divergent().getFirst().fingerprint());
        assertEquals(3, s.divergent().getFirst().distinctOutputs());
    }

    @Test
    void fingerprintsNotSeenForTheRetentionAreForgottenWithTheirRequestIdsAndDivergence() {
        String old = Completions.fingerprint("old");
        String recent = Completions.fingerprint("recent");
        send(Completions.of("o1", old, List.of(1, 2), "a b", "portable", "cpu", "w1", 50), T0);
        send(Completions.of("o2", old, List.of(1, 3), "a c", "portable", "cpu", "w1", 50), T0.plusSeconds(1));
        send(Completions.of("n1", recent, List.of(4), "d", "portable", "cpu", "w1", 50), T0.plus(Duration.ofMinutes(90)));
        ReadOnlyKeyValueStore<String, Object> fingerprints = driver.getKeyValueStore(StoreNames.FINGERPRINTS);
        ReadOnlyKeyValueStore<String, Object> requests = driver.getKeyValueStore(StoreNames.REQUESTS);
        ReadOnlyKeyValueStore<String, Object> divergent = driver.getKeyValueStore(StoreNames.DIVERGENT);
        assertNotNull(divergent.get(old));

        // Wall clock 100 min after T0: nothing was last seen more than the retention (2 h) ago.
        driver.advanceWallClockTime(Duration.ofMinutes(100));
        assertNotNull(fingerprints.get(old));
        // 150 min after T0: "old" (last seen at T0 + 1 s) goes, with its request ids and divergence; "recent" stays.
        driver.advanceWallClockTime(Duration.ofMinutes(50));
        assertNull(fingerprints.get(old));
        assertNull(divergent.get(old));
        assertNull(requests.get("o1"));
        assertNull(requests.get("o2"));
        assertNotNull(fingerprints.get(recent));
        assertEquals(recent, requests.get("n1"));
        assertEquals(3, totals(PORTABLE_CPU).completions, "totals are all-time");
        assertEquals(1, totals(PORTABLE_CPU).divergent);
    }

    @Test
    void consistencyRateCountsRepeatedFingerprintsOnly() {
        for (int f = 0; f < 4; f++) {
            String fp = Completions.fingerprint("f" + f);
            send(Completions.of("f" + f + "-0", fp, List.of(1, f), "x", "portable", "cpu", "w", 10), T0);
            send(Completions.of("f" + f + "-1", fp, List.of(1, f == 3 ? 7 : f), "x", "portable", "cpu", "w", 10), T0);
        }
        send(Completions.of("single", Completions.fingerprint("once"), List.of(4), "y", "portable", "cpu", "w", 10), T0);
        Totals t = totals(PORTABLE_CPU);
        assertEquals(5, t.fingerprints);
        assertEquals(4, t.repeated);
        assertEquals(1, t.divergent);
        assertEquals(0.75, t.consistencyRate());
        assertEquals(1, events.getQueueSize());
    }

    @Test
    void anAuditedCompletionsTokensComeFromItsUsage() {
        // invariant audit publishes what a remote engine answered: its usage, no token ids
        Completion remote = Completion.newBuilder(Completions.of("r", Completions.fingerprint("r"), List.of(), "text",
                "unknown", "remote:10.0.0.7", "w", 10)).setUsage(new dev.invariant.schemas.Usage(3, 64)).build();
        send(remote, T0);
        assertEquals(64, queries.snapshot(T0.plusSeconds(5), Duration.ofMinutes(10)).windows().get(T0.toEpochMilli()).tokens);
    }

    @Test
    void windowsCountThroughputLatencyAndRepeats() {
        String fp = Completions.fingerprint("w");
        send(Completions.of("1", fp, List.of(1, 2, 3, 4), "t", "portable", "cpu", "w", 40), T0.plusSeconds(1));
        send(Completions.of("2", fp, List.of(1, 2, 3, 4), "t", "portable", "cpu", "w", 60), T0.plusSeconds(2));
        send(Completions.of("3", fp, List.of(1, 2, 3, 5), "t", "portable", "cpu", "w", 900), T0.plusSeconds(12));
        send(Completions.failed("bad"), T0.plusSeconds(13));
        Snapshot s = queries.snapshot(T0.plusSeconds(15), Duration.ofMinutes(10));
        assertEquals(2, s.windows().size());
        WindowStats first = s.windows().get(T0.toEpochMilli());
        assertEquals(2, first.completions);
        assertEquals(8, first.tokens);
        assertEquals(1, first.repeats);
        assertEquals(1, first.reproduced);
        assertEquals(100, first.latencySumMs);
        assertEquals(50, first.latencyQuantileMs(0.5));
        WindowStats second = s.windows().get(T0.plusSeconds(10).toEpochMilli());
        assertEquals(2, second.completions);
        assertEquals(1, second.errors);
        assertEquals(1, second.divergences);
        assertEquals(0.0, second.consistencyRate());
        assertEquals(900, second.latencyMaxMs);

        Overview o = Overview.of(s, 10_000, T0.plusSeconds(15).toEpochMilli(), List.of(), 50);
        assertEquals(4, o.total().completions());
        assertEquals(1, o.total().errors());
        assertEquals(0.8, o.series().getFirst().tokensPerSecond(), 1e-9);
        assertEquals(0.0, o.total().consistencyRate());
    }

    @Test
    void failedCompletionsAreCountedButNeverCompared() {
        send(Completions.failed("x1"), T0);
        send(Completions.failed("x2"), T0);
        assertTrue(events.isEmpty());
        Totals t = totals(PORTABLE_CPU);
        assertEquals(2, t.completions);
        assertEquals(2, t.errors);
        assertEquals(0, t.fingerprints);
    }

    @Test
    void aRequestItsClientAbandonedIsCountedAsCancelledNotAsAnError() {
        Completion gone = Completions.failed("left");
        gone.getError().setCode("CANCELLED");
        send(gone, T0);
        send(Completions.failed("bad"), T0);
        Totals t = totals(PORTABLE_CPU);
        assertEquals(2, t.completions);
        assertEquals(1, t.errors);
        assertEquals(1, t.cancelled);
    }

    @Test
    void unreadableRecordsAreSkippedAndTheStreamGoesOn() {
        String fp = Completions.fingerprint("after");
        completions.pipeInput("junk", new byte[] {1, 2, 3}, T0);
        completions.pipeInput("unknown-schema", new byte[] {0, 0, 0, 0, 9, 1, 2}, T0);
        completions.pipeInput("tombstone", null, T0);
        send(Completions.of("ok1", fp, List.of(1), "a", "portable", "cpu", "w", 1), T0);
        send(Completions.of("ok2", fp, List.of(2), "b", "portable", "cpu", "w", 1), T0);
        assertEquals(3, skipped.size(), "skipped: " + skipped);
        assertTrue(skipped.get(1).contains("UNKNOWN_SCHEMA_ID"), skipped.get(1));
        assertEquals(1, events.getQueueSize(), "records after the bad ones are still judged");
    }
}
