package dev.invariant.engine.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Appends fields in the canonical encoding: fixed-width big-endian numbers, and variable-length
 * values behind a 4-byte length or count, so the byte string parses back into exactly one field list.
 */
final class CanonicalWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    CanonicalWriter u8(int v) {
        out.write(v);
        return this;
    }

    CanonicalWriter i32(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    CanonicalWriter i64(long v) {
        return i32((int) (v >>> 32)).i32((int) v);
    }

    /** IEEE-754 binary32 bits; -0 is written as +0, since the two behave identically everywhere here. */
    CanonicalWriter f32(float v) {
        return i32(Float.floatToRawIntBits(v == 0f ? 0f : v));
    }

    /** IEEE-754 binary64 bits, -0 written as +0 as in {@link #f32}. */
    CanonicalWriter f64(double v) {
        return i64(Double.doubleToRawLongBits(v == 0d ? 0d : v));
    }

    /** UTF-8 bytes behind their int32 byte count. */
    CanonicalWriter string(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        i32(bytes.length);
        out.write(bytes, 0, bytes.length);
        return this;
    }

    /** int32 count, then each value as int32. */
    CanonicalWriter ints(int[] values) {
        i32(values.length);
        for (int v : values) i32(v);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
