package dev.invariant.engine.numerics;

/** Exact conversions of stored weight formats to float32; nothing is ever rounded to bf16 or f16. */
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
}
