package dev.invariant.engine.numerics;

/**
 * Exact conversions of stored weight formats to float32; the one narrowing, {@link #fromFloat}, is for the KV cache
 * stored as bf16 (docs/numerics.md, "KV cache storage"). Weights are never rounded to bf16 or f16.
 */
public final class Bf16 {
    private Bf16() {
    }

    /** A bf16 is the upper half of a float32: shifting its bits back up is exact. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** IEEE binary16 to binary32, exact for every value including subnormals, infinities and NaN payloads. */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /**
     * binary32 → bf16 bits, round to nearest even (IEEE: overflow gives ±infinity, subnormals are kept); every NaN
     * becomes the quiet NaN {@code 0x7FC0}, as PyTorch's conversion does.
     */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return 0x7FC0;
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
