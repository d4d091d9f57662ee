package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.StoreNames;
import dev.invariant.monitor.topology.WindowStats;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The stores of a running {@link KafkaStreams}: each name gives one view over all local partitions. Throws
 * {@link org.apache.kafka.streams.errors.InvalidStateStoreException} while the instance is not running
 * (starting, rebalancing).
 */
public final class StreamsStoreAccess implements StoreAccess {
    private final KafkaStreams streams;

    public StreamsStoreAccess(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    @Override
    public ReadOnlyWindowStore<String, WindowStats> windows() {
        return streams.store(StoreQueryParameters.fromNameAndType(StoreNames.WINDOWS,
                QueryableStoreTypes.<String, WindowStats>windowStore()));
    }
}
