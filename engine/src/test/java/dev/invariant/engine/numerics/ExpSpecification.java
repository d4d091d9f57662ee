package dev.invariant.engine.numerics;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * An independent transcription of the contract's exp and silu in exact decimal arithmetic: every
 * operation is computed exactly with BigDecimal and rounded to float once, as IEEE-754 prescribes.
 * Constants are derived here from their definitions, not copied from the implementation.
 */
final class ExpSpecification {
    private ExpSpecification() {
    }

    static final float LOG2E = (float) (1.0 / Math.log(2.0));
    static final float LN2_HI = (float) Math.log(2.0);
    static final float LN2_LO = new BigDecimal("0.693147180559945309417232121458176568")
            .subtract(new BigDecimal(LN2_HI)).floatValue();

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
        if (x > 89f) return Float.POSITIVE_INFINITY;
        if (x < -104f) return 0f;
        float t = mul(x, LOG2E);
        // round half to even
        float n = new BigDecimal(t).setScale(0, java.math.RoundingMode.HALF_EVEN).floatValue();
        float r = fma(-n, LN2_HI, x);
        r = fma(-n, LN2_LO, r);
        float p = coefficient(7);
        for (int k = 6; k >= 0; k--) p = fma(p, r, coefficient(k));
        int ni = (int) n;
        int n1 = Math.floorDiv(ni, 2);
        int n2 = ni - n1;
        float a = new BigDecimal(p).multiply(pow2(n1)).floatValue();
        return new BigDecimal(a).multiply(pow2(n2)).floatValue();
    }

    static float silu(float x) {
        float e = exp(-x);
        if (Float.isInfinite(e)) return x / e; // 1 + inf = inf, and x / inf is a signed zero
        float d = new BigDecimal(1f).add(new BigDecimal(e)).floatValue();
        return new BigDecimal(x).divide(new BigDecimal(d), MathContext.DECIMAL128).floatValue();
    }

    private static BigDecimal pow2(int e) {
        return e >= 0 ? new BigDecimal(BigInteger.TWO.pow(e)) : BigDecimal.ONE.divide(new BigDecimal(BigInteger.TWO.pow(-e)));
    }
}
