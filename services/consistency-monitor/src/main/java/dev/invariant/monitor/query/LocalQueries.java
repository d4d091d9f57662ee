package dev.invariant.monitor.query;

import dev.invariant.monitor.topology.FingerprintState;
import dev.invariant.monitor.topology.StoreNames;
import dev.invariant.monitor.topology.Totals;
import dev.invariant.monitor.topology.WindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Reads this instance's state stores (all its partitions; entries of one key in several partitions are summed). */
public final class LocalQueries {
    private final StoreAccess stores;
    private final int maxDivergent;

    /** @param maxDivergent the most divergent fingerprints a snapshot lists */
    public LocalQueries(StoreAccess stores, int maxDivergent) {
        this.stores = stores;
        this.maxDivergent = maxDivergent;
    }

    /** Totals, the windows of the last {@code history}, and the newest divergent fingerprints. */
    public Snapshot snapshot(Instant now, Duration history) {
        Snapshot s = Snapshot.empty();
        s.totals().putAll(totals());
        try (var it = stores.windows().fetchAll(now.minus(history), now)) {
            it.forEachRemaining(kv -> s.windows().merge(kv.key.window().start(), kv.value, WindowStats::add));
        }
        ReadOnlyKeyValueStoreReader.newest(stores.<Long>keyValue(StoreNames.DIVERGENT), maxDivergent)
                .forEach(kv -> fingerprint(kv.key).ifPresent(f -> s.divergent().add(new Snapshot.DivergentFingerprint(
                        kv.key, f.model, f.dims == null ? "" : f.dims.profile(), kv.value, f.outputs.size(), f.completions))));
        s.divergent().sort((a, b) -> Long.compare(b.detectedAt(), a.detectedAt()));
        return s;
    }

    /** All-time totals of this instance's partitions, by breakdown key. */
    public java.util.Map<String, Totals> totals() {
        var out = new java.util.TreeMap<String, Totals>();
        try (var it = stores.<Totals>keyValue(StoreNames.TOTALS).all()) {
            it.forEachRemaining(kv -> out.merge(kv.key, kv.value, Totals::add));
        }
        return out;
    }

    /** The fingerprint's state, when one of this instance's partitions holds it. */
    public Optional<FingerprintState> fingerprint(String fingerprint) {
        return Optional.ofNullable(stores.<FingerprintState>keyValue(StoreNames.FINGERPRINTS).get(fingerprint));
    }

    /** The fingerprint of a request, when one of this instance's partitions saw it. */
    public Optional<String> requestFingerprint(String requestId) {
        return Optional.ofNullable(stores.<String>keyValue(StoreNames.REQUESTS).get(requestId));
    }
}
