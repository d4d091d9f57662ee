package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    @Test
    void headerIsMagicZeroThenBigEndianId() {
        var buffer = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(buffer, 0x01020304);
        assertArrayEquals(new byte[] {0, 1, 2, 3, 4}, buffer.array());
    }

    @Test
    void schemaIdIsReadBigEndianIncludingHighIds() {
        assertEquals(0x01020304, WireFormat.schemaId(new byte[] {0, 1, 2, 3, 4, 9}));
        assertEquals(0x7fffffff, WireFormat.schemaId(new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        assertEquals(200, WireFormat.schemaId(new byte[] {0, 0, 0, 0, (byte) 200}));
    }

    @Test
    void shortPayloadIsNotWireFormat() {
        var e = assertThrows(UnreadableRecordException.class, () -> WireFormat.schemaId(new byte[] {0, 0, 0, 1}));
        assertEquals(Reason.NOT_WIRE_FORMAT, e.reason());
        assertEquals(UnreadableRecordException.NO_SCHEMA_ID, e.schemaId());
    }

    @Test
    void wrongMagicByteIsNotWireFormatAndSaysWhichByte() {
        byte[] json = "{\"request_id\":\"x\"}".getBytes();
        var e = assertThrows(UnreadableRecordException.class, () -> WireFormat.schemaId(json));
        assertEquals(Reason.NOT_WIRE_FORMAT, e.reason());
        assertEquals(true, e.getMessage().contains("0x7b"), e.getMessage());
    }
}
