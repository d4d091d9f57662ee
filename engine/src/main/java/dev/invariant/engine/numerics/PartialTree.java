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

    /** The dot finished from P = p[o .. o + 256); p[o .. o + 8) is overwritten. */
    static float reduce(float[] p, int o) {
        FloatVector h0 = FloatVector.fromArray(F, p, o + 0).add(FloatVector.fromArray(F, p, o + 128))
                .add(FloatVector.fromArray(F, p, o + 64).add(FloatVector.fromArray(F, p, o + 192)));
        FloatVector h1 = FloatVector.fromArray(F, p, o + 8).add(FloatVector.fromArray(F, p, o + 136))
                .add(FloatVector.fromArray(F, p, o + 72).add(FloatVector.fromArray(F, p, o + 200)));
        FloatVector h2 = FloatVector.fromArray(F, p, o + 16).add(FloatVector.fromArray(F, p, o + 144))
                .add(FloatVector.fromArray(F, p, o + 80).add(FloatVector.fromArray(F, p, o + 208)));
        FloatVector h3 = FloatVector.fromArray(F, p, o + 24).add(FloatVector.fromArray(F, p, o + 152))
                .add(FloatVector.fromArray(F, p, o + 88).add(FloatVector.fromArray(F, p, o + 216)));
        FloatVector h4 = FloatVector.fromArray(F, p, o + 32).add(FloatVector.fromArray(F, p, o + 160))
                .add(FloatVector.fromArray(F, p, o + 96).add(FloatVector.fromArray(F, p, o + 224)));
        FloatVector h5 = FloatVector.fromArray(F, p, o + 40).add(FloatVector.fromArray(F, p, o + 168))
                .add(FloatVector.fromArray(F, p, o + 104).add(FloatVector.fromArray(F, p, o + 232)));
        FloatVector h6 = FloatVector.fromArray(F, p, o + 48).add(FloatVector.fromArray(F, p, o + 176))
                .add(FloatVector.fromArray(F, p, o + 112).add(FloatVector.fromArray(F, p, o + 240)));
        FloatVector h7 = FloatVector.fromArray(F, p, o + 56).add(FloatVector.fromArray(F, p, o + 184))
                .add(FloatVector.fromArray(F, p, o + 120).add(FloatVector.fromArray(F, p, o + 248)));
        FloatVector g0 = h0.add(h4), g1 = h1.add(h5), g2 = h2.add(h6), g3 = h3.add(h7);
        FloatVector e = g0.add(g2).add(g1.add(g3));
        e.intoArray(p, o);
        float q0 = p[o] + p[o + 4], q1 = p[o + 1] + p[o + 5], q2 = p[o + 2] + p[o + 6], q3 = p[o + 3] + p[o + 7];
        return (q0 + q2) + (q1 + q3);
    }
}
