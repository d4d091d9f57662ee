package dev.invariant.worker.fuzz;

import dev.invariant.schemas.InferenceRequest;
import dev.invariant.schemas.ChatMessage;
import dev.invariant.schemas.Sampling;
import dev.invariant.schemas.serde.AvroWireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded generator of request record values as a hostile or broken producer would write them: random bytes,
 * wrong magic bytes, unknown schema ids, truncated and bit-flipped Avro, invalid UTF-8, control characters, huge
 * strings, extreme and non-finite numbers, unknown fields (a newer writer schema), tombstones. The same seed gives
 * the same records, so a failure names the record that caused it.
 */
public final class RequestFuzzer {
    /** The ids the unit test's in-memory schema lookup gives the two writer schemas. */
    static final int REQUEST_SCHEMA_ID = 1;
    static final int EXTENDED_SCHEMA_ID = 2;
    static final String MODEL = "stories260K";
    private static final String MARK = "\u0007MARK\u0007";
    private static final String[] ROLES = {"user", "system", "assistant", "tool", "developer", "", "root", "USER"};
    private static final String[] TEXTS = {"Once upon a time", "", " ", "\u0000", "\n\t\r", "é🙂中文", "<|endoftext|>",
            "\u202e\u200b", "\uFFFF\uFFFE", "a".repeat(3000)};
    private static final float[] FLOATS = {0f, -0f, 1f, -1f, 0.5f, 2f, 100f, Float.NaN, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1e-30f};
    private static final int[] INTS = {0, 1, -1, 2, 16, 512, 513, 100_000, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private final SplittableRandom random;
    private final AvroWireCodec<InferenceRequest> codec = new AvroWireCodec<>(InferenceRequest.class);
    private final int requestSchemaId;
    private final int extendedSchemaId;

    RequestFuzzer(long seed) {
        this(seed, REQUEST_SCHEMA_ID, EXTENDED_SCHEMA_ID);
    }

    /**
     * @param requestSchemaId  the registry's id of InferenceRequest's schema
     * @param extendedSchemaId the registry's id of {@link #extendedSchema()}
     */
    public RequestFuzzer(long seed, int requestSchemaId, int extendedSchemaId) {
        this.random = new SplittableRandom(seed);
        this.requestSchemaId = requestSchemaId;
        this.extendedSchemaId = extendedSchemaId;
    }

    /** InferenceRequest's schema with one field more, as a newer producer might write it. */
    public static org.apache.avro.Schema extendedSchema() {
        return ExtendedSchema.SCHEMA;
    }

    /** The next record value (null: a tombstone). */
    public byte[] next(int i) {
        return switch (random.nextInt(10)) {
            case 0 -> randomBytes();
            case 1 -> null;
            case 2 -> withHeader(random.nextInt(3) == 0 ? 1 : 0, random.nextInt(3, 1_000_000), encode(request(i)));
            case 3 -> truncate(encode(request(i)));
            case 4 -> flip(encode(request(i)));
            case 5 -> invalidUtf8(i);
            case 6 -> extended(request(i));
            default -> encode(request(i));
        };
    }

    private byte[] encode(InferenceRequest r) {
        return codec.encode(requestSchemaId, r);
    }

    private InferenceRequest request(int i) {
        var b = InferenceRequest.newBuilder().setRequestId(pick(3) ? "" : "fuzz-" + i + text(8))
                .setModel(pick(10) ? text(10) : MODEL);
        switch (random.nextInt(5)) {
            case 0 -> b.setMessages(messages());
            case 1 -> b.setPromptTokenIds(tokenIds());
            case 2 -> { } // no prompt at all
            case 3 -> {
                b.setPrompt(text(20));
                b.setPromptTokenIds(tokenIds()); // two prompts
            }
            default -> b.setPrompt(pick(50) ? huge() : text(60));
        }
        var s = Sampling.newBuilder();
        if (pick(2)) s.setTemperature(FLOATS[random.nextInt(FLOATS.length)]);
        if (pick(3)) s.setTopK(INTS[random.nextInt(INTS.length)]);
        if (pick(3)) s.setTopP(FLOATS[random.nextInt(FLOATS.length)]);
        if (pick(4)) s.setMinP(FLOATS[random.nextInt(FLOATS.length)]);
        if (pick(4)) s.setRepetitionPenalty(FLOATS[random.nextInt(FLOATS.length)]);
        if (pick(5)) s.setPresencePenalty(FLOATS[random.nextInt(FLOATS.length)]);
        if (pick(5)) s.setFrequencyPenalty(FLOATS[random.nextInt(FLOATS.length)]);
        s.setMaxTokens(pick(2) ? random.nextInt(1, 64) : INTS[random.nextInt(INTS.length)]);
        if (pick(2)) s.setSeed(pick(4) ? Long.MIN_VALUE : random.nextLong());
        if (pick(4)) s.setStop(List.of(text(5), pick(3) ? "" : text(3), huge()));
        if (pick(5)) s.setStopTokenIds(List.of(INTS[random.nextInt(INTS.length)], -5));
        if (pick(5)) s.setIgnoreEos(true);
        b.setSampling(s.build());
        if (pick(6)) b.setLogprobs(INTS[random.nextInt(INTS.length)]);
        if (pick(6)) b.setDeadlineMs(java.time.Instant.ofEpochMilli(pick(2) ? 1 : Long.MAX_VALUE / 2));
        if (pick(8)) b.setStream(true);
        if (pick(8)) b.setMetadata(java.util.Map.of(text(4), text(4)));
        return b.build();
    }

    private List<ChatMessage> messages() {
        var out = new ArrayList<ChatMessage>();
        for (int k = random.nextInt(4); k >= 0; k--) {
            out.add(ChatMessage.newBuilder().setRole(ROLES[random.nextInt(ROLES.length)]).setContent(text(30)).build());
        }
        return pick(10) ? List.of() : out;
    }

    private List<Integer> tokenIds() {
        var out = new ArrayList<Integer>();
        int n = pick(20) ? 600 : random.nextInt(0, 20);
        for (int k = 0; k < n; k++) out.add(pick(10) ? INTS[random.nextInt(INTS.length)] : random.nextInt(0, 512));
        return out;
    }

    private String text(int max) {
        if (pick(4)) return TEXTS[random.nextInt(TEXTS.length)];
        var sb = new StringBuilder();
        for (int k = random.nextInt(max + 1); k > 0; k--) {
            int c = random.nextInt(8) == 0 ? random.nextInt(0, 0x20) : random.nextInt(0x20, 0x3000);
            if (c >= 0xD800 && c < 0xE000) c = 'x';
            sb.append((char) c);
        }
        return sb.toString();
    }

    private String huge() {
        return "story ".repeat(random.nextInt(1_000, 20_000));
    }

    private byte[] randomBytes() {
        byte[] b = new byte[random.nextInt(0, 80)];
        random.nextBytes(b);
        return b;
    }

    private static byte[] withHeader(int magic, int schemaId, byte[] wire) {
        var out = ByteBuffer.allocate(wire.length).put(wire);
        out.put(0, (byte) magic).putInt(1, schemaId);
        return out.array();
    }

    private byte[] truncate(byte[] wire) {
        return java.util.Arrays.copyOf(wire, random.nextInt(0, wire.length));
    }

    private byte[] flip(byte[] wire) {
        for (int k = random.nextInt(1, 4); k > 0; k--) {
            int at = random.nextInt(5, wire.length);
            wire[at] ^= (byte) (1 << random.nextInt(8));
        }
        return wire;
    }

    /** A well-formed record whose prompt bytes are not UTF-8 (lone continuation, overlong, surrogate, 0xFF). */
    private byte[] invalidUtf8(int i) {
        byte[] wire = encode(InferenceRequest.newBuilder().setRequestId("fuzz-" + i).setModel(MODEL).setPrompt(MARK)
                .setSampling(Sampling.newBuilder().setMaxTokens(4).build()).build());
        byte[] mark = MARK.getBytes(StandardCharsets.UTF_8);
        byte[][] bad = {{(byte) 0x80, 0x41, 0x41, 0x41, 0x41, 0x41}, {(byte) 0xC0, (byte) 0xAF, 0x41, 0x41, 0x41, 0x41},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80, 0x41, 0x41, 0x41}, {(byte) 0xFF, (byte) 0xFE, 0x41, 0x41, 0x41, 0x41}};
        byte[] with = bad[random.nextInt(bad.length)];
        for (int at = 0; at + mark.length <= wire.length; at++) {
            if (java.util.Arrays.equals(wire, at, at + mark.length, mark, 0, mark.length)) {
                System.arraycopy(with, 0, wire, at + 1, with.length); // the marks' lengths match: framing stays valid
                break;
            }
        }
        return wire;
    }

    /** Written with a newer schema that has an extra field: readable through schema resolution. */
    private byte[] extended(InferenceRequest r) {
        var record = new org.apache.avro.generic.GenericData.Record(ExtendedSchema.SCHEMA);
        for (var f : InferenceRequest.getClassSchema().getFields()) record.put(f.name(), r.get(f.pos()));
        record.put(ExtendedSchema.EXTRA, text(10));
        return ExtendedSchema.encode(extendedSchemaId, record);
    }

    private boolean pick(int oneIn) {
        return random.nextInt(oneIn) == 0;
    }
}
