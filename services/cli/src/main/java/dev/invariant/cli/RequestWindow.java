package dev.invariant.cli;

import dev.invariant.schemas.InferenceRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Where {@code verify --follow} reads the requests topic from: a look-back before the oldest completion it has met,
 * found with the broker's time index ({@code offsetsForTimes}), so a restart does not read the whole topic again.
 * A completion older than any met so far moves the start back (reading that stretch again); newer ones never move it.
 */
final class RequestWindow {
    private final KafkaConsumer<String, InferenceRequest> requests;
    private final List<TopicPartition> parts;
    private final long lookbackMs;
    private long from = Long.MAX_VALUE;

    RequestWindow(KafkaConsumer<String, InferenceRequest> requests, List<TopicPartition> parts, long lookbackMs) {
        this.requests = requests;
        this.parts = parts;
        this.lookbackMs = lookbackMs;
    }

    /** Whether a completion was met, so requests are being read. */
    boolean started() {
        return from != Long.MAX_VALUE;
    }

    /** Makes sure requests from {@code lookback} before a completion with this timestamp on are read. */
    void cover(long completionTimestampMs) {
        long start = Math.max(0, completionTimestampMs - lookbackMs);
        if (start >= from) return;
        from = start;
        Map<TopicPartition, Long> at = new HashMap<>();
        parts.forEach(p -> at.put(p, start));
        Map<TopicPartition, OffsetAndTimestamp> offsets = requests.offsetsForTimes(at);
        for (TopicPartition p : parts) {
            OffsetAndTimestamp o = offsets.get(p);
            if (o != null) {
                requests.seek(p, o.offset());
            } else {
                requests.seekToEnd(List.of(p)); // nothing that recent yet: only what comes
            }
        }
    }
}
