package dev.invariant.engine.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The contract's halving tree over 256 partials, evaluated depth-first in registers: with v[r] the 8-lane
 * register of P[8r .. 8r+7], the steps s = 128, 64 give h[r] = (v[r] + v[r+16]) + (v[r+8] + v[r+24]) for
 * r < 8, then s = 32, 16, 8 halve h to one register, and s = 4, 2, 1 are scalar. Every add has the same
 * operands, in the same order, as the breadth-first tree in {@link Dot}; only the intermediate stores go.
 */
final class PartialTree {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

    private PartialTree() {
    }

    private static FloatVector v(float[] p, int i) {
        return FloatVector.fromArray(F, p, i);
    }

    private static FloatVector h(float[] p, int o, int r) {
        int i = o + 8 * r;
        return v(p, i).add(v(p, i + 128)).add(v(p, i + 64).add(v(p, i + 192)));
    }

    /** The dot finished from P = p[o .. o + 256); p[o .. o + 8) is overwritten. */
    static float reduce(float[] p, int o) {
        FloatVector h0 = h(p, o, 0), h1 = h(p, o, 1), h2 = h(p, o, 2), h3 = h(p, o, 3);
        FloatVector h4 = h(p, o, 4), h5 = h(p, o, 5), h6 = h(p, o, 6), h7 = h(p, o, 7);
        FloatVector g0 = h0.add(h4), g1 = h1.add(h5), g2 = h2.add(h6), g3 = h3.add(h7);
        FloatVector e = g0.add(g2).add(g1.add(g3));
        e.intoArray(p, o);
        float q0 = p[o] + p[o + 4], q1 = p[o + 1] + p[o + 5], q2 = p[o + 2] + p[o + 6], q3 = p[o + 3] + p[o + 7];
        return (q0 + q2) + (q1 + q3);
    }
}
