package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.WindowStats;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;

/**
 * The monitor's state stores as this instance holds them (every local partition): from a running
 * {@code KafkaStreams}, or from a {@code TopologyTestDriver} in tests.
 */
public interface StoreAccess {
    <V> ReadOnlyKeyValueStore<String, V> keyValue(String name);

    ReadOnlyWindowStore<String, WindowStats> windows();
}
