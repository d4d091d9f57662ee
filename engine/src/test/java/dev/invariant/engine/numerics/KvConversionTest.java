package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The KV cache's narrowing conversions (docs/numerics.md, "KV cache storage") checked on every one of the 2^32 binary32
 * inputs against a reference built differently: the format's positive values listed in order, the input placed
 * between two neighbours by a walk over the inputs in increasing order, and rounded by comparing it with their
 * midpoint in binary64 (exact), ties to the even code; fp8 saturates at ±max, bf16 overflows to ±infinity; NaN gives
 * the canonical NaN. The 256 fp8 decodings are checked against the formula 2^(e - bias) · (1 + m / 2^M).
 */
class KvConversionTest {

    /** One format's positive finite values by code, their midpoints, and what overflow gives. */
    private record Format(String name, double[] value, double[] mid, int overflowCode, boolean saturates) {
        static Format of(String name, int codes, java.util.function.IntToDoubleFunction decode, int overflowCode,
                         double overflowValue, boolean saturates) {
            double[] v = new double[codes];
            for (int c = 0; c < codes; c++) v[c] = decode.applyAsDouble(c);
            double[] m = new double[codes];
            for (int c = 0; c + 1 < codes; c++) m[c] = (v[c] + v[c + 1]) / 2;
            m[codes - 1] = saturates ? Double.POSITIVE_INFINITY : (v[codes - 1] + overflowValue) / 2;
            return new Format(name, v, m, overflowCode, saturates);
        }

        int start(double x) {
            int c = 0;
            while (c + 1 < value.length && value[c + 1] <= x) c++;
            return c;
        }
    }

    private static double fp8(int code, int expBits, int manBits) {
        int bias = (1 << (expBits - 1)) - 1;
        int e = code >>> manBits, m = code & ((1 << manBits) - 1);
        return e == 0 ? Math.pow(2, 1 - bias) * m / (1 << manBits) : Math.pow(2, e - bias) * (1 + (double) m / (1 << manBits));
    }

    private static final Format E4M3 = Format.of("e4m3", 0x7F, c -> fp8(c, 4, 3), 0x7E, 0, true);
    private static final Format E5M2 = Format.of("e5m2", 0x7C, c -> fp8(c, 5, 2), 0x7B, 0, true);
    private static final Format BF16 = Format.of("bf16", 0x7F80, c -> Float.intBitsToFloat(c << 16), 0x7F80,
            Math.pow(2, 128), false);

    /** The reference code of a positive non-NaN x, with the walk's position kept in pos[0]. */
    private static int reference(Format f, double x, int[] pos) {
        int c = pos[0];
        while (c + 1 < f.value.length && f.value[c + 1] <= x) c++;
        pos[0] = c;
        double mid = f.mid[c];
        int up = c + 1 < f.value.length ? c + 1 : f.overflowCode;
        if (c == f.value.length - 1 && f.saturates) return f.overflowCode;
        if (x < mid) return c;
        if (x > mid) return up;
        return (c & 1) == 0 ? c : up;
    }

    @Test
    void everyBinary32NarrowsAsTheReferenceSays() {
        int threads = Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors()));
        long end = 0x7F800001L;                                   // +0 .. +inf; NaNs are checked below
        AtomicLong checked = new AtomicLong();
        IntStream.range(0, threads).parallel().forEach(t -> {
            long lo = end * t / threads, hi = end * (t + 1) / threads;
            double x0 = Float.intBitsToFloat((int) lo);
            int[] p4 = {E4M3.start(x0)}, p5 = {E5M2.start(x0)}, pb = {BF16.start(x0)};
            for (long b = lo; b < hi; b++) {
                float x = Float.intBitsToFloat((int) b);
                float n = -x;
                int r4 = reference(E4M3, x, p4), r5 = reference(E5M2, x, p5), rb = reference(BF16, x, pb);
                if (Fp8.toE4m3(x) != (byte) r4 || Fp8.toE4m3(n) != (byte) (r4 | 0x80)) fail("e4m3", x, r4, Fp8.toE4m3(x));
                if (Fp8.toE5m2(x) != (byte) r5 || Fp8.toE5m2(n) != (byte) (r5 | 0x80)) fail("e5m2", x, r5, Fp8.toE5m2(x));
                if (Bf16.fromFloat(x) != (short) rb || Bf16.fromFloat(n) != (short) (rb | 0x8000)) {
                    fail("bf16", x, rb, Bf16.fromFloat(x));
                }
            }
            checked.addAndGet(hi - lo);
        });
        assertEquals(end, checked.get());
        for (long b = 0x7F800001L; b <= 0x7FFFFFFFL; b++) {
            float nan = Float.intBitsToFloat((int) b), negNan = Float.intBitsToFloat((int) (b | 0x80000000L));
            if (Fp8.toE4m3(nan) != Fp8.NAN || Fp8.toE4m3(negNan) != Fp8.NAN || Fp8.toE5m2(nan) != Fp8.NAN
                    || Fp8.toE5m2(negNan) != Fp8.NAN || Bf16.fromFloat(nan) != 0x7FC0 || Bf16.fromFloat(negNan) != 0x7FC0) {
                throw new AssertionError("NaN " + Long.toHexString(b) + " is not canonical");
            }
        }
    }

    private static void fail(String format, float x, int expected, int got) {
        throw new AssertionError(format + "(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x))
                + "): expected code 0x" + Integer.toHexString(expected) + ", got 0x" + Integer.toHexString(got & 0xFFFF));
    }

    @Test
    void every256CodesDecodeByTheFormula() {
        for (int code = 0; code < 256; code++) {
            byte b = (byte) code;
            int sign = code >>> 7, mag = code & 0x7F;
            float e4 = Fp8.e4m3ToFloat(b), e5 = Fp8.e5m2ToFloat(b);
            if (mag == 0x7F) {
                assertTrue(Float.isNaN(e4), "e4m3 NaN " + code);
            } else {
                assertEquals((float) ((sign == 1 ? -1 : 1) * fp8(mag, 4, 3)), e4, "e4m3 " + code);
                assertEquals(sign == 1, (Float.floatToRawIntBits(e4) >>> 31) == 1, "e4m3 sign of " + code);
            }
            if (mag > 0x7C) {
                assertTrue(Float.isNaN(e5), "e5m2 NaN " + code);
            } else if (mag == 0x7C) {
                assertEquals(sign == 1 ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY, e5, "e5m2 inf " + code);
            } else {
                assertEquals((float) ((sign == 1 ? -1 : 1) * fp8(mag, 5, 2)), e5, "e5m2 " + code);
                assertEquals(sign == 1, (Float.floatToRawIntBits(e5) >>> 31) == 1, "e5m2 sign of " + code);
            }
            // widening then narrowing gives the code back (NaNs become the canonical one)
            assertEquals(mag == 0x7F ? Fp8.NAN : b, Fp8.toE4m3(e4), "e4m3 round trip " + code);
            assertEquals(mag > 0x7C ? Fp8.NAN : mag == 0x7C ? (byte) (code - 1) : b, Fp8.toE5m2(e5), "e5m2 round trip " + code);
        }
        // anchors of the two formats (OCP FP8 v1.0): max, smallest subnormal, smallest normal
        assertEquals(448f, Fp8.e4m3ToFloat((byte) 0x7E));
        assertEquals(0x1p-9f, Fp8.e4m3ToFloat((byte) 0x01));
        assertEquals(0x1p-6f, Fp8.e4m3ToFloat((byte) 0x08));
        assertEquals(57344f, Fp8.e5m2ToFloat((byte) 0x7B));
        assertEquals(0x1p-16f, Fp8.e5m2ToFloat((byte) 0x01));
        assertEquals(0x1p-14f, Fp8.e5m2ToFloat((byte) 0x04));
        // saturation and ties, spelled out
        assertEquals((byte) 0x7E, Fp8.toE4m3(1e30f));
        assertEquals((byte) 0xFE, Fp8.toE4m3(Float.NEGATIVE_INFINITY));
        assertEquals((byte) 0x7B, Fp8.toE5m2(Float.POSITIVE_INFINITY));
        assertEquals((byte) 0x7E, Fp8.toE4m3(464f), "tie between 448 and 480 goes to the even 448");
        assertEquals((byte) 0x00, Fp8.toE4m3(0x1p-10f), "half the smallest subnormal ties to +0");
        assertEquals((byte) 0x80, Fp8.toE4m3(-0.0f));
        assertEquals((short) 0x7F80, Bf16.fromFloat(Float.MAX_VALUE), "bf16 overflows to infinity");
    }
}
