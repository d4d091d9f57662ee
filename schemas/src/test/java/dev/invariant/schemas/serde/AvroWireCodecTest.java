package dev.invariant.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.invariant.schemas.Completion;
import dev.invariant.schemas.CompletionChunk;
import dev.invariant.schemas.DeadLetter;
import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.Samples;
import dev.invariant.schemas.serde.UnreadableRecordException.Reason;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

class AvroWireCodecTest {

    private static final Map<Integer, Schema> IDS = Map.of(
            1, InferenceRequest.getClassSchema(), 2, Completion.getClassSchema(),
            3, CompletionChunk.getClassSchema(), 4, DeadLetter.getClassSchema());

    static IntFunction<Schema> lookup(Map<Integer, Schema> ids) {
        return id -> {
            Schema s = ids.get(id);
            if (s == null) throw new UnreadableRecordException(Reason.UNKNOWN_SCHEMA_ID, id, "unknown id " + id);
            return s;
        };
    }

    @Test
    void chunkBytesAreHeaderThenAvroBinaryAsTheSpecDefinesThem() {
        var chunk = new CompletionChunk("r", 3, java.util.List.of(5), "", true);
        byte[] bytes = new AvroWireCodec<CompletionChunk>(null).encode(7, chunk);
        // Avro spec by hand: string = zigzag length + UTF-8; int = zigzag varint; array = count, items, 0.
        byte[] expected = {0, 0, 0, 0, 7, 0x02, 'r', 0x06, 0x02, 0x0a, 0x00, 0x00, 0x01};
        assertArrayEquals(expected, bytes);
    }

    @Test
    void bodyAfterHeaderIsExactlyTheAvroBinaryEncoding() throws Exception {
        var request = Samples.request("req-1");
        byte[] framed = new AvroWireCodec<InferenceRequest>(null).encode(0x0a0b0c0d, request);
        var plain = new ByteArrayOutputStream();
        var encoder = EncoderFactory.get().binaryEncoder(plain, null);
        new SpecificDatumWriter<InferenceRequest>(InferenceRequest.class).write(request, encoder);
        encoder.flush();
        assertArrayEquals(new byte[] {0, 0x0a, 0x0b, 0x0c, 0x0d}, Arrays.copyOf(framed, 5));
        assertArrayEquals(plain.toByteArray(), Arrays.copyOfRange(framed, 5, framed.length));
    }

    @Test
    void everyRecordTypeRoundTripsWithAllFields() {
        roundTrip(1, Samples.request("req-2"), InferenceRequest.class);
        roundTrip(2, Samples.completion("req-2"), Completion.class);
        roundTrip(2, Samples.failedCompletion("req-3"), Completion.class);
        roundTrip(3, Samples.chunk("req-2", 5), CompletionChunk.class);
        roundTrip(4, Samples.deadLetter(), DeadLetter.class);
    }

    private static <T extends SpecificRecord> void roundTrip(int id, T record, Class<T> type) {
        byte[] bytes = new AvroWireCodec<T>(type).encode(id, record);
        assertEquals(record, new AvroWireCodec<>(type).decode(bytes, lookup(IDS)));
    }

    @Test
    void withoutAReaderClassTheWriterSchemaNamesTheClass() {
        byte[] bytes = new AvroWireCodec<Completion>(null).encode(2, Samples.completion("c"));
        SpecificRecord read = new AvroWireCodec<>(null).decode(bytes, lookup(IDS));
        assertInstanceOf(Completion.class, read);
        assertEquals(Samples.completion("c"), read);
    }

    @Test
    void unknownIdComesFromTheLookup() {
        byte[] bytes = new AvroWireCodec<CompletionChunk>(null).encode(99, Samples.chunk("x", 0));
        var e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(CompletionChunk.class).decode(bytes, lookup(IDS)));
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
        assertEquals(99, e.schemaId());
    }

    @Test
    void lookupAnsweringNullIsAnUnknownId() {
        byte[] bytes = new AvroWireCodec<CompletionChunk>(null).encode(98, Samples.chunk("x", 0));
        var e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(CompletionChunk.class).decode(bytes, IDS::get));
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
    }

    @Test
    void anotherRecordTypeUnderTheIdIsIncompatible() {
        // A Completion written where requests are read: the names differ, so Avro cannot resolve it.
        byte[] bytes = new AvroWireCodec<Completion>(null).encode(2, Samples.completion("c"));
        var e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(InferenceRequest.class).decode(bytes, lookup(IDS)));
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        assertEquals(2, e.schemaId());
        // The reason is one line naming both types, not the two schemas Avro's own description carries.
        assertEquals("schema id 2 is dev.invariant.schemas.Completion, not dev.invariant.schemas.InferenceRequest:"
                + " the record was written for another subject or topic", e.getMessage());
    }

    @Test
    void truncatedBodyIsCorrupt() {
        byte[] bytes = new AvroWireCodec<InferenceRequest>(null).encode(1, Samples.request("t"));
        for (int cut : new int[] {6, bytes.length / 2, bytes.length - 1}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            var e = assertThrows(UnreadableRecordException.class,
                    () -> new AvroWireCodec<>(InferenceRequest.class).decode(truncated, lookup(IDS)));
            assertEquals(Reason.CORRUPT_PAYLOAD, e.reason(), "cut at " + cut);
        }
    }

    @Test
    void trailingBytesAreCorrupt() {
        byte[] bytes = new AvroWireCodec<CompletionChunk>(null).encode(3, Samples.chunk("t", 1));
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        var e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(CompletionChunk.class).decode(longer, lookup(IDS)));
        assertEquals(Reason.CORRUPT_PAYLOAD, e.reason());
    }

    @Test
    void hugeDeclaredLengthsAreRefusedWithoutAllocatingThem() {
        // request_id claims 1.5 GB; tests run with -Xmx512m, so Avro's own decoder would die here.
        byte[] hugeString = {0, 0, 0, 0, 3, (byte) 0x80, (byte) 0xbc, (byte) 0xc1, (byte) 0x96, 0x0b, 'x'};
        var e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(CompletionChunk.class).decode(hugeString, lookup(IDS)));
        assertEquals(Reason.CORRUPT_PAYLOAD, e.reason());
        // token_ids claims 1.5 G items after a valid request_id and seq.
        byte[] hugeArray = {0, 0, 0, 0, 3, 0x02, 'r', 0x02, (byte) 0x80, (byte) 0xbc, (byte) 0xc1, (byte) 0x96, 0x0b, 0};
        e = assertThrows(UnreadableRecordException.class,
                () -> new AvroWireCodec<>(CompletionChunk.class).decode(hugeArray, lookup(IDS)));
        assertEquals(Reason.CORRUPT_PAYLOAD, e.reason());
    }

    @Test
    void randomlyDamagedRecordsReadOrFailAsUnreadableNeverOtherwise() {
        byte[] good = new AvroWireCodec<InferenceRequest>(null).encode(1, Samples.request("fuzz"));
        var codec = new AvroWireCodec<>(InferenceRequest.class);
        var random = new java.util.Random(20261125L);
        int unreadable = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] damaged = good.clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = WireFormat.HEADER_SIZE + random.nextInt(damaged.length - WireFormat.HEADER_SIZE);
                damaged[at] = (byte) random.nextInt(256);
            }
            try {
                codec.decode(damaged, lookup(IDS));
            } catch (UnreadableRecordException e) {
                assertEquals(Reason.CORRUPT_PAYLOAD, e.reason());
                unreadable++;
            }
        }
        // Most damage is caught; the rest decodes to some other, still well-formed, request.
        assertEquals(true, unreadable > 500, "only " + unreadable + " of 5000 damaged records were refused");
    }
}
