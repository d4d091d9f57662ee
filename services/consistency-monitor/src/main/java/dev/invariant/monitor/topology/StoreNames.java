package dev.invariant.monitor.topology;

/** The monitor's state stores (RocksDB, changelogged); the dashboard queries them. */
public final class StoreNames {
    /** fingerprint → {@link FingerprintState}. */
    public static final String FINGERPRINTS = "fingerprints";
    /** {@link Dims#key()} → {@link Totals}, per partition. */
    public static final String TOTALS = "totals";
    /** windowed {@link Dims#key()} → {@link WindowStats}, per partition. */
    public static final String WINDOWS = "windows";
    /** request id → fingerprint, for lookups by request id. */
    public static final String REQUESTS = "requests";
    /** fingerprint → time its divergence was detected (epoch ms): the divergent fingerprints. */
    public static final String DIVERGENT = "divergent";

    private StoreNames() {
    }
}
