package dev.invariant.monitor.query;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** The entries of a store of timestamps with the largest values, without holding the whole store in memory. */
final class ReadOnlyKeyValueStoreReader {
    private ReadOnlyKeyValueStoreReader() {
    }

    static List<KeyValue<String, Long>> newest(ReadOnlyKeyValueStore<String, Long> store, int n) {
        var heap = new PriorityQueue<KeyValue<String, Long>>((a, b) -> Long.compare(a.value, b.value));
        try (var it = store.all()) {
            while (it.hasNext()) {
                var kv = it.next();
                heap.add(kv);
                if (heap.size() > n) heap.poll();
            }
        }
        var out = new ArrayList<>(heap);
        out.sort((a, b) -> Long.compare(b.value, a.value));
        return out;
    }
}
