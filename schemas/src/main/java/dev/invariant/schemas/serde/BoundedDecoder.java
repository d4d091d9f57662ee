package dev.invariant.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro's binary decoder over one record's bytes, refusing any length or item count larger than the
 * record itself before anything is allocated. Avro's own decoder allocates whatever a length prefix
 * claims (up to 2 GB), so a few corrupt bytes would otherwise end the consumer with OutOfMemoryError
 * instead of sending the record to the dead-letter topic. (Consequence: an array of more null items
 * than the record has bytes is refused too; no schema of ours has one.)
 */
final class BoundedDecoder extends Decoder {

    private final BinaryDecoder in;
    private final long limit;

    BoundedDecoder(byte[] payload, int offset, int length) {
        this.in = DecoderFactory.get().binaryDecoder(payload, offset, length, null);
        this.limit = length;
    }

    boolean isEnd() throws IOException {
        return in.isEnd();
    }

    private int checked(long size, String what) throws IOException {
        if (size < 0) throw new AvroRuntimeException("negative " + what + " " + size);
        if (size > limit) {
            throw new EOFException(what + " " + size + " is larger than the whole record (" + limit + " bytes)");
        }
        return (int) size;
    }

    private long checkedCount(long count) throws IOException {
        // A negative block count is followed by the block's byte size (Avro spec); either way |count| is items.
        checked(Math.abs(count), "item count");
        return count;
    }

    @Override public void readNull() throws IOException { in.readNull(); }
    @Override public boolean readBoolean() throws IOException { return in.readBoolean(); }
    @Override public int readInt() throws IOException { return in.readInt(); }
    @Override public long readLong() throws IOException { return in.readLong(); }
    @Override public float readFloat() throws IOException { return in.readFloat(); }
    @Override public double readDouble() throws IOException { return in.readDouble(); }
    @Override public int readEnum() throws IOException { return in.readEnum(); }
    @Override public int readIndex() throws IOException { return in.readIndex(); }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        byte[] bytes = new byte[checked(in.readLong(), "string length")];
        in.readFixed(bytes);
        Utf8 result = old != null ? old : new Utf8();
        result.set(new Utf8(bytes));
        return result;
    }

    @Override
    public String readString() throws IOException {
        byte[] bytes = new byte[checked(in.readLong(), "string length")];
        in.readFixed(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public void skipString() throws IOException {
        in.skipFixed(checked(in.readLong(), "string length"));
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        byte[] bytes = new byte[checked(in.readLong(), "bytes length")];
        in.readFixed(bytes);
        return ByteBuffer.wrap(bytes);
    }

    @Override
    public void skipBytes() throws IOException {
        in.skipFixed(checked(in.readLong(), "bytes length"));
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        in.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        in.skipFixed(length);
    }

    // Array and map block counts: read the raw long so the count is checked before Avro sizes a list by it.

    @Override
    public long readArrayStart() throws IOException {
        return blockCount();
    }

    @Override
    public long arrayNext() throws IOException {
        return blockCount();
    }

    @Override
    public long readMapStart() throws IOException {
        return blockCount();
    }

    @Override
    public long mapNext() throws IOException {
        return blockCount();
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks();
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks();
    }

    private long blockCount() throws IOException {
        long count = checkedCount(in.readLong());
        if (count < 0) {
            in.readLong(); // the block's byte size, only useful for skipping
            count = -count;
        }
        return count;
    }

    /** Skips blocks that carry their byte size; returns the item count of the first block without one. */
    private long skipBlocks() throws IOException {
        while (true) {
            long count = checkedCount(in.readLong());
            if (count >= 0) return count;
            in.skipFixed(checked(in.readLong(), "block size"));
        }
    }
}
