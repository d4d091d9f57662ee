package dev.invariant.engine.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath#exp} and {@link FloatMath#silu} over arrays, 8 lanes at a time, with the scalar's operations lane by
 * lane: the product x · log2e, its rounding to an integer k (adding and subtracting 1.5 · 2^23 rounds to nearest
 * even exactly as {@code Math.rint} for |x · log2e| < 2^22), the two fmas of the reduction, Horner's fmas and the
 * product with 2^k built from exponent bits. A group of 8 with any lane outside [-87, 88] (where k leaves the normal
 * exponents, or the input is NaN or past the range) runs the scalar function, so every value is the scalar's bits.
 */
public final class ExpVectors {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final int LANES = 8;
    private static final float RINT = 0x1.8p23f;
    /** k = rint(x · log2e) stays within [-126, 127] inside these bounds, so 2^k is a normal float. */
    private static final float LOW = -87.0f;
    private static final float HIGH = 88.0f;

    private ExpVectors() {
    }

    /** a[i] = exp(a[i]) for i in [from, to). */
    public static void expInPlace(float[] a, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            FloatVector x = FloatVector.fromArray(F, a, i);
            if (!inRange(x)) {
                for (int j = i; j < i + LANES; j++) a[j] = FloatMath.exp(a[j]);
                continue;
            }
            exp(x).intoArray(a, i);
        }
        for (; i < to; i++) a[i] = FloatMath.exp(a[i]);
    }

    /** g[i] = silu(g[i]) · u[i] for i in [from, to): x / (1 + exp(-x)), then the product, each rounded. */
    public static void siluTimes(float[] g, float[] u, int from, int to) {
        int i = from;
        for (; i + LANES <= to; i += LANES) {
            FloatVector x = FloatVector.fromArray(F, g, i);
            FloatVector n = x.neg();
            if (!inRange(n)) {
                for (int j = i; j < i + LANES; j++) g[j] = FloatMath.silu(g[j]) * u[j];
                continue;
            }
            x.div(exp(n).add(1.0f)).mul(FloatVector.fromArray(F, u, i)).intoArray(g, i);
        }
        for (; i < to; i++) g[i] = FloatMath.silu(g[i]) * u[i];
    }

    /** FloatMath.exp's steps for lanes in [LOW, HIGH]; small enough to be inlined, so the vector stays in registers. */
    private static FloatVector exp(FloatVector x) {
        FloatVector k = x.mul(FloatMath.LOG2E).add(RINT).sub(RINT);
        FloatVector r = k.fma(FloatVector.broadcast(F, -FloatMath.LN2_HI), x);
        r = k.fma(FloatVector.broadcast(F, -FloatMath.LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, FloatMath.EXP_POLY[7]);
        for (int c = 6; c >= 0; c--) p = p.fma(r, FloatVector.broadcast(F, FloatMath.EXP_POLY[c]));
        return p.mul(((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats());
    }

    private static boolean inRange(FloatVector x) {
        return x.compare(VectorOperators.GE, LOW).and(x.compare(VectorOperators.LE, HIGH)).allTrue();
    }
}
