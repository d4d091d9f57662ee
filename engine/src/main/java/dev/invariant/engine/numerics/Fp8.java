package dev.invariant.engine.numerics;

/**
 * binary32 ⇄ 8-bit floats (docs/numerics.md, "KV cache storage"): OCP FP8 E4M3 ("e4m3fn": bias 7, max 448, no
 * infinities, NaN = S.1111.111) and E5M2 (bias 15, max 57344, IEEE-like infinities and NaNs). Narrowing rounds to
 * nearest, ties to even, keeps subnormals and the sign of zero, saturates finite overflow and infinities to ±max (as
 * CUDA's {@code __NV_SATFINITE} conversion that vLLM's fp8 KV cache uses) and turns every NaN into {@code 0x7F}.
 * Widening is exact.
 */
public final class Fp8 {
    /** Canonical NaN of both formats. */
    public static final byte NAN = 0x7F;
    private static final float[] E4M3 = table(4, 3);
    private static final float[] E5M2 = table(5, 2);

    private Fp8() {
    }

    /** f32 → e4m3fn bits. */
    public static byte toE4m3(float f) {
        return narrow(f, 3, 7, 0x7E);
    }

    /** f32 → e5m2 bits. */
    public static byte toE5m2(float f) {
        return narrow(f, 2, 15, 0x7B);
    }

    /** e4m3fn bits → f32, exact (a table of the 256 values). */
    public static float e4m3ToFloat(byte b) {
        return E4M3[b & 0xFF];
    }

    /** e5m2 bits → f32, exact: an e5m2 is the upper byte of a binary16. */
    public static float e5m2ToFloat(byte b) {
        return E5M2[b & 0xFF];
    }

    /**
     * Rounds |f| at the target's precision by integer arithmetic on the binary32 bits. Normal targets round the
     * mantissa with the usual add-and-truncate (a carry moves into the exponent); subnormal targets first align the
     * significand to the target's smallest step. {@code maxBits} is the largest finite magnitude's encoding.
     */
    private static byte narrow(float f, int manBits, int bias, int maxBits) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 24) & 0x80;
        int abs = bits & 0x7FFFFFFF;
        if (abs > 0x7F800000) return NAN;
        int exp = (abs >>> 23) - 127 + bias;      // target exponent field if the result is normal
        int r;
        if (exp >= 1) {
            int shift = 23 - manBits;
            int rounded = abs + ((1 << (shift - 1)) - 1) + ((abs >>> shift) & 1);
            r = (rounded >>> shift) - ((127 - bias) << manBits);
            if (r > maxBits || abs == 0x7F800000) r = maxBits;
        } else {
            // subnormal target: the significand (implicit bit restored) shifted right to units of 2^(1-bias-manBits)
            int e32 = abs >>> 23;
            int sig = e32 == 0 ? abs & 0x7FFFFF : (abs & 0x7FFFFF) | 0x800000;
            int shift = 23 - manBits + (1 - exp) - (e32 == 0 ? 1 : 0);
            if (shift > 31) {
                r = 0;
            } else {
                int half = 1 << (shift - 1);
                int q = sig >>> shift;
                int rest = sig & ((1 << shift) - 1);
                r = q + ((rest > half || (rest == half && (q & 1) == 1)) ? 1 : 0);
            }
        }
        return (byte) (sign | r);
    }

    private static float[] table(int expBits, int manBits) {
        float[] t = new float[256];
        int bias = (1 << (expBits - 1)) - 1;
        for (int b = 0; b < 256; b++) {
            int e = (b >>> manBits) & ((1 << expBits) - 1);
            int m = b & ((1 << manBits) - 1);
            float mag;
            if (e == 0) {
                mag = Math.scalb((float) m, 1 - bias - manBits);
            } else if (expBits == 4 && e == 15 && m == 7) {
                mag = Float.NaN;                           // e4m3fn: the only NaN, no infinities
            } else if (expBits == 5 && e == 31) {
                mag = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
            } else {
                mag = Math.scalb((float) ((1 << manBits) | m), e - bias - manBits);
            }
            t[b] = (b & 0x80) != 0 ? -mag : mag;
        }
        return t;
    }
}
