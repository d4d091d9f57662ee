package dev.invariant.engine.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The contract's halving tree over W = 32 partials, in registers: with v[r] the 8-lane register of P[8r .. 8r+7],
 * the step s = 16 gives v[0] + v[2] and v[1] + v[3], s = 8 adds those two, and s = 4, 2, 1 are scalar. Every add
 * has the same operands, in the same order, as the breadth-first tree in {@link Dot}.
 */
public final class PartialTree {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private PartialTree() {
    }

    /** The dot finished from P = p[o .. o + 32); p[o .. o + 8) is overwritten. */
    public static float reduce(float[] p, int o) {
        FloatVector lo = FloatVector.fromArray(F, p, o).add(FloatVector.fromArray(F, p, o + 16));
        FloatVector hi = FloatVector.fromArray(F, p, o + 8).add(FloatVector.fromArray(F, p, o + 24));
        lo.add(hi).intoArray(p, o);
        return last(p, o);
    }

    /**
     * The tree's scalar steps (s = 4, 2, 1) over p[o .. o + 8), which holds the steps s = 16 and 8 already, i.e.
     * (v[0] + v[2]) + (v[1] + v[3]): a kernel whose partials are still in registers folds them itself and stores
     * one register rather than four.
     */
    public static float last(float[] p, int o) {
        float q0 = p[o] + p[o + 4], q1 = p[o + 1] + p[o + 5], q2 = p[o + 2] + p[o + 6], q3 = p[o + 3] + p[o + 7];
        return (q0 + q2) + (q1 + q3);
    }
}
