package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.ConsistencyEvent;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The monitor's Kafka Streams topology, built by one plain function: production runs it, and
 * {@code TopologyTestDriver} tests drive it unchanged.
 *
 * <pre>
 * completions (key request id, Confluent-wire-format bytes)
 *   ─► read (unreadable records logged and skipped)
 *   ─► re-key by fingerprint (request id when there is none) ─► repartition "by-fingerprint"
 *   ─► observe (stores: fingerprints, totals, windows, requests, divergent; all RocksDB, changelogged)
 *   ─► consistency topic (ConsistencyEvent, key fingerprint)
 * </pre>
 */
public final class MonitorTopology {

    private MonitorTopology() {
    }

    /**
     * @param reader     reads the completions topic's values
     * @param eventSerde writes {@link ConsistencyEvent} values to the consistency topic
     */
    public static Topology build(MonitorSettings settings, CompletionReader reader, Serde<ConsistencyEvent> eventSerde) {
        var builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.FINGERPRINTS),
                Serdes.String(), JsonSerde.of(FingerprintState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.TOTALS),
                Serdes.String(), JsonSerde.of(Totals.class)));
        builder.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(StoreNames.WINDOWS,
                settings.retention(), settings.window(), false), Serdes.String(), JsonSerde.of(WindowStats.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.REQUESTS),
                Serdes.String(), Serdes.String()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(StoreNames.DIVERGENT),
                Serdes.String(), Serdes.Long()));

        Serde<Completion> completions = CompletionSerde.create();
        builder.stream(settings.completionsTopic(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("completions"))
                .flatMapValues(reader::read, Named.as("read"))
                .selectKey((requestId, c) -> c.getFingerprint() != null ? c.getFingerprint() : "request:" + c.getRequestId(),
                        Named.as("by-fingerprint-key"))
                .repartition(Repartitioned.with(Serdes.String(), completions).withName("by-fingerprint"))
                .process(() -> new CompletionObserver(settings), Named.as("observe"), StoreNames.FINGERPRINTS,
                        StoreNames.TOTALS, StoreNames.WINDOWS, StoreNames.REQUESTS, StoreNames.DIVERGENT)
                .to(settings.consistencyTopic(), Produced.with(Serdes.String(), eventSerde).withName("consistency"));
        return builder.build();
    }
}
