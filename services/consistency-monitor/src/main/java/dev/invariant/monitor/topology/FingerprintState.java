package dev.invariant.monitor.topology;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What the monitor keeps per fingerprint (store {@link StoreNames#FINGERPRINTS}): the distinct output hashes, in
 * the order first seen, each with its count, first/last seen, first request, its tokens and text (capped) and
 * the producers that made it. Stored as JSON.
 */
public final class FingerprintState {
    public String model = "";
    /** The breakdown of the fingerprint's first completion; its fingerprint-level counts are kept under it. */
    public Dims dims;
    public long completions;
    public LinkedHashMap<String, Output> outputs = new LinkedHashMap<>();

    /** One distinct output hash of the fingerprint. */
    public static final class Output {
        public String requestId = "";
        public long count;
        public long firstSeen;
        public long lastSeen;
        public int tokenCount;
        /** The first completion's token ids, up to the configured cap. */
        public List<Integer> tokenIds = new ArrayList<>();
        /** The first completion's text, up to the configured cap. */
        public String text = "";
        /** Distinct producers of this output, up to {@link #MAX_PRODUCERS}. */
        public List<ProducerInfo> producers = new ArrayList<>();

        static final int MAX_PRODUCERS = 16;

        void seen(ProducerInfo p, long at) {
            count++;
            firstSeen = count == 1 ? at : Math.min(firstSeen, at);
            lastSeen = Math.max(lastSeen, at);
            if (!producers.contains(p) && producers.size() < MAX_PRODUCERS) producers.add(p);
        }
    }

    public boolean divergent() {
        return outputs.size() > 1;
    }

    /** The first-seen output: what every later completion of this fingerprint is expected to reproduce. */
    public Output expected() {
        return outputs.values().iterator().next();
    }
}
