package dev.invariant.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.invariant.schemas.SendStamp;
import dev.invariant.schemas.Topics;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** A round trip split at the service's send stamp; answers without a readable stamp are left out. */
class SendSplitTest {

    private static RecordHeaders stamped(long nanos) {
        var h = new RecordHeaders();
        h.add(Topics.SENT_NANOS_HEADER, ByteBuffer.allocate(Long.BYTES).putLong(nanos).array());
        return h;
    }

    @Test
    void eachSideOfTheSendFromTheStamp() {
        var split = new SendSplit();
        // arrived 5.0 ms after the client's send, at 10,000,000 ns; sent by the service at 8,000,000 ns: 2 ms before
        split.add(stamped(8_000_000L), 5.0, 10_000_000L, 1.25);
        assertEquals(1, split.count());
        assertEquals(2.0, split.fromSendP50(), 1e-12);
        assertEquals(3.0, split.toSendP50(), 1e-12);
        assertEquals(1.75, split.inboundP50(), 1e-12); // minus the service's own 1.25 ms
    }

    @Test
    void aStampIsTheSendersMonotonicClock() {
        long before = System.nanoTime();
        var h = new RecordHeaders();
        h.add(SendStamp.now());
        long after = System.nanoTime();
        long stamp = SendStamp.read(h).orElseThrow();
        assertTrue(before <= stamp && stamp <= after, before + " <= " + stamp + " <= " + after);
    }

    @Test
    void answersWithoutAStampAreLeftOut() {
        var split = new SendSplit();
        split.add(new RecordHeaders(), 5.0, 10_000_000L, 0);
        var shortValue = new RecordHeaders();
        shortValue.add(Topics.SENT_NANOS_HEADER, new byte[] {1, 2, 3});
        split.add(shortValue, 5.0, 10_000_000L, 0);
        assertEquals(0, split.count());
        assertEquals(Double.NaN, split.fromSendP50());
    }
}
