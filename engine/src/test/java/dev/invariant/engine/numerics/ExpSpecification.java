package dev.invariant.engine.numerics;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * An independent transcription of the contract's exp and silu in exact decimal arithmetic: every
 * operation is computed exactly with BigDecimal and rounded to float once, as IEEE-754 prescribes.
 * Constants are derived here from their definitions, not copied from the implementation.
 */
final class ExpSpecification {
    private ExpSpecification() {
    }

    private static final BigDecimal LN2 = new BigDecimal("0.693147180559945309417232121458176568");
    private static final BigDecimal TWO_POW_15 = new BigDecimal(1 << 15);

    static final float LOG2E = (float) (1.0 / Math.log(2.0));
    /** ln 2 rounded to 15 significant bits (it lies in [1/2, 1), so to a multiple of 2^-15). */
    static final float LN2_HI = LN2.multiply(TWO_POW_15).setScale(0, RoundingMode.HALF_EVEN)
            .divide(TWO_POW_15).floatValue();
    static final float LN2_LO = LN2.subtract(new BigDecimal(LN2_HI)).floatValue();
    /** The largest float x with e^x below the overflow threshold 2^128 (1 - 2^-25), i.e. x < 128 ln 2 + ln(1 - 2^-25). */
    static final float MAX_INPUT = largestFloatBelow(LN2.multiply(BigDecimal.valueOf(128))
            .subtract(BigDecimal.ONE.divide(new BigDecimal(BigInteger.TWO.pow(25)))));
    static final float MIN_INPUT = -104f;

    static float coefficient(int k) {
        BigInteger f = BigInteger.ONE;
        for (int i = 2; i <= k; i++) f = f.multiply(BigInteger.valueOf(i));
        return BigDecimal.ONE.divide(new BigDecimal(f), MathContext.DECIMAL128).floatValue();
    }

    static float mul(float a, float b) {
        return new BigDecimal(a).multiply(new BigDecimal(b)).floatValue();
    }

    static float fma(float a, float b, float c) {
        return new BigDecimal(a).multiply(new BigDecimal(b)).add(new BigDecimal(c)).floatValue();
    }

    static float exp(float x) {
        if (Float.isNaN(x)) return x;
        if (x > MAX_INPUT) return Float.POSITIVE_INFINITY;
        if (x < MIN_INPUT) return 0f;
        float t = mul(x, LOG2E);
        float k = new BigDecimal(t).setScale(0, RoundingMode.HALF_EVEN).floatValue();
        float r = fma(k, -LN2_HI, x);
        r = fma(k, -LN2_LO, r);
        float p = coefficient(7);
        for (int i = 6; i >= 0; i--) p = fma(p, r, coefficient(i));
        // p * 2^k rounded once (to infinity when it overflows, to a subnormal when it is that small)
        return new BigDecimal(p).multiply(pow2((int) k)).floatValue();
    }

    static float silu(float x) {
        float e = exp(-x);
        if (Float.isInfinite(e)) return x / e; // 1 + inf = inf, and x / inf is a signed zero
        float d = new BigDecimal(1f).add(new BigDecimal(e)).floatValue();
        return new BigDecimal(x).divide(new BigDecimal(d), MathContext.DECIMAL128).floatValue();
    }

    private static float largestFloatBelow(BigDecimal bound) {
        float f = bound.floatValue();
        return new BigDecimal(f).compareTo(bound) < 0 ? f : Math.nextDown(f);
    }

    private static BigDecimal pow2(int e) {
        return e >= 0 ? new BigDecimal(BigInteger.TWO.pow(e)) : BigDecimal.ONE.divide(new BigDecimal(BigInteger.TWO.pow(-e)));
    }
}
