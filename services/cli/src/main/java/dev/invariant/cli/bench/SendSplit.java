package dev.invariant.cli.bench;

import dev.invariant.schemas.SendStamp;
import dev.invariant.schemas.Topics;
import org.apache.kafka.common.header.Headers;

/**
 * A path's round trips split where its service sent the answer: the answer's {@link Topics#SENT_NANOS_HEADER} (the
 * echo's, or the worker's with {@code invariant.diagnostics.send-stamp}) and the client's own times are read on the
 * monotonic clock that every process on a Linux machine shares ({@code System.nanoTime()}), so each side of the send
 * is measured to the microsecond, where the wall-clock stages are whole milliseconds. Both sides count the client's
 * work (the send's serialising, the poll) and exclude the client's decoding of the answer.
 */
final class SendSplit {
    private final Latencies toSend = new Latencies();
    private final Latencies fromSend = new Latencies();
    private final Latencies inbound = new Latencies();

    /**
     * @param arrivalMs    client send → the answer's bytes in hand (decoding excluded)
     * @param arrivalNanos the client's monotonic clock when they were in hand
     * @param serviceMs    the service's own time before its send that the caller knows of (the worker's e2e_ms;
     *                     0 for the echo)
     */
    void add(Headers headers, double arrivalMs, long arrivalNanos, double serviceMs) {
        var sent = SendStamp.read(headers);
        if (sent.isEmpty()) return;
        double from = (arrivalNanos - sent.getAsLong()) / 1e6;
        fromSend.add(from);
        toSend.add(arrivalMs - from);
        inbound.add(arrivalMs - from - serviceMs);
    }

    /** How many answers carried a stamp. */
    int count() {
        return fromSend.count();
    }

    /** p50 (ms) of client send → the service's send of the answer. */
    double toSendP50() {
        return toSend.percentile(50);
    }

    /**
     * p50 (ms) of that minus the service's own time before its send that the caller knows of: the inbound hop (for the
     * worker also what follows its e2e_ms before the send, the completion's encoding).
     */
    double inboundP50() {
        return inbound.percentile(50);
    }

    /** p50 (ms) of the service's send → the answer's bytes in the client's hands: the outbound hop. */
    double fromSendP50() {
        return fromSend.percentile(50);
    }
}
