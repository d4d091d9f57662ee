package dev.invariant.monitor.topology;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forgets fingerprints last seen before a cutoff ({@code invariant.monitor.fingerprint-retention}): their state,
 * their divergence mark and the request ids that point at them, so the stores stop growing with all traffic ever seen.
 * All-time totals are kept. Deletes go through the stores, so their changelogs (and other instances) forget too.
 */
final class Expiry {
    private Expiry() {
    }

    /** Removes what was last seen before {@code cutoff} (epoch ms); returns how many fingerprints went. */
    static int sweep(KeyValueStore<String, FingerprintState> fingerprints, KeyValueStore<String, String> requests,
                     KeyValueStore<String, Long> divergent, long cutoff) {
        Set<String> gone = new HashSet<>();
        try (KeyValueIterator<String, FingerprintState> it = fingerprints.all()) {
            while (it.hasNext()) {
                KeyValue<String, FingerprintState> e = it.next();
                long last = e.value.outputs.values().stream().mapToLong(o -> o.lastSeen).max().orElse(0);
                if (last < cutoff) gone.add(e.key);
            }
        }
        for (String fp : gone) {
            fingerprints.delete(fp);
            divergent.delete(fp);
        }
        List<String> orphans = new ArrayList<>();
        try (KeyValueIterator<String, String> it = requests.all()) {
            while (it.hasNext()) {
                KeyValue<String, String> e = it.next();
                if (gone.contains(e.value) || fingerprints.get(e.value) == null) orphans.add(e.key);
            }
        }
        orphans.forEach(requests::delete);
        return gone.size();
    }
}
