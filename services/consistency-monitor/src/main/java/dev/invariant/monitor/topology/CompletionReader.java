package dev.invariant.monitor.topology;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.serde.UnreadableRecordException;
import java.util.List;
import java.util.function.Function;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the bytes of a record of the completions topic. A record that can never be read (not our wire format,
 * unknown schema id, corrupt Avro, a null value) is logged with its reason and skipped: one bad record never
 * stops the stream. A registry that cannot be reached is not the record's fault: that error propagates, the
 * stream thread is replaced and the record is read again (nothing is committed past it).
 */
public final class CompletionReader {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionReader.class);

    /** Told about every skipped record (for metrics). */
    public interface SkipListener {
        void skipped(String reason);
    }

    private final Function<byte[], Completion> decode;
    private final SkipListener onSkip;

    /** @param decode reads Confluent-wire-format bytes; throws {@link UnreadableRecordException} for bad bytes */
    public CompletionReader(Function<byte[], Completion> decode, SkipListener onSkip) {
        this.decode = decode;
        this.onSkip = onSkip;
    }

    List<Completion> read(String key, byte[] value) {
        if (value == null) return skip(key, "null value (tombstone)");
        try {
            Completion c = decode.apply(value);
            if (c == null) return skip(key, "decoded to null");
            return List.of(c);
        } catch (UnreadableRecordException e) {
            return skip(key, e.reason() + ": " + e.getMessage());
        } catch (SerializationException e) {
            throw e; // the registry could not be asked: retry, do not skip
        } catch (RuntimeException e) {
            return skip(key, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static final int MAX_REASON = 300;

    private List<Completion> skip(String key, String reason) {
        // The key is a request id; no prompt or output text is logged. Reasons can quote whole schemas: cut them.
        if (reason.length() > MAX_REASON) reason = reason.substring(0, MAX_REASON) + "…";
        LOG.warn("skipping unreadable completion record (key {}): {}", key, reason);
        onSkip.skipped(reason);
        return List.of();
    }
}
