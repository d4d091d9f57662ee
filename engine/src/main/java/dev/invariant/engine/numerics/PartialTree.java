package dev.invariant.engine.numerics;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The contract's halving tree over W = 32 partials, in registers: with v[r] the 8-lane register of P[8r .. 8r+7],
 * the step s = 16 gives v[0] + v[2] and v[1] + v[3], s = 8 adds those two, and s = 4, 2, 1 are scalar ({@link #last})
 * or vertical across eight rows ({@link #last8}). Every add has the same operands as the breadth-first tree in
 * {@link Dot}.
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

    /**
     * {@link #last} for eight rows at once: u[o + 8r .. o + 8r + 8) holds row r's folded partials, and y[yo + r] gets
     * its dot, in one store. Each step pairs the lanes of two registers with two-vector permutes so that every add is
     * vertical, with the operands of {@link #last}: s = 4 adds lanes q and q + 4 of rows r, r + 1 side by side; s = 2
     * adds q and q + 2 of those, for four rows per register; s = 1 adds 0 and 1, for all eight.
     */
    public static void last8(float[] u, int o, float[] y, int yo) {
        // s = 4 for rows (0, 1), (2, 3), (4, 5), (6, 7): [q0..q3 of the first, q0..q3 of the second]. Written out, not
        // a helper returning a vector: inside a large caller C2 may stop inlining (NodeCountInliningCutoff), and a
        // vector returned from a call it did not inline is boxed on the heap (the fourth pair was, in MatMul.wide).
        FloatVector r0 = FloatVector.fromArray(F, u, o), r1 = FloatVector.fromArray(F, u, o + 8);
        FloatVector r2 = FloatVector.fromArray(F, u, o + 16), r3 = FloatVector.fromArray(F, u, o + 24);
        FloatVector r4 = FloatVector.fromArray(F, u, o + 32), r5 = FloatVector.fromArray(F, u, o + 40);
        FloatVector r6 = FloatVector.fromArray(F, u, o + 48), r7 = FloatVector.fromArray(F, u, o + 56);
        FloatVector a01 = r0.rearrange(S4_LO, r1).add(r0.rearrange(S4_HI, r1));
        FloatVector a23 = r2.rearrange(S4_LO, r3).add(r2.rearrange(S4_HI, r3));
        FloatVector a45 = r4.rearrange(S4_LO, r5).add(r4.rearrange(S4_HI, r5));
        FloatVector a67 = r6.rearrange(S4_LO, r7).add(r6.rearrange(S4_HI, r7));
        FloatVector b03 = a01.rearrange(S2_LO, a23).add(a01.rearrange(S2_HI, a23));
        FloatVector b47 = a45.rearrange(S2_LO, a67).add(a45.rearrange(S2_HI, a67));
        b03.rearrange(S1_LO, b47).add(b03.rearrange(S1_HI, b47)).intoArray(y, yo);
    }

    // Two-vector shuffles: index i < 8 is lane i of the first register, 8 + i lane i of the second.
    private static final VectorShuffle<Float> S4_LO = VectorShuffle.fromValues(F, 0, 1, 2, 3, 8, 9, 10, 11);
    private static final VectorShuffle<Float> S4_HI = VectorShuffle.fromValues(F, 4, 5, 6, 7, 12, 13, 14, 15);
    private static final VectorShuffle<Float> S2_LO = VectorShuffle.fromValues(F, 0, 1, 4, 5, 8, 9, 12, 13);
    private static final VectorShuffle<Float> S2_HI = VectorShuffle.fromValues(F, 2, 3, 6, 7, 10, 11, 14, 15);
    private static final VectorShuffle<Float> S1_LO = VectorShuffle.fromValues(F, 0, 2, 4, 6, 8, 10, 12, 14);
    private static final VectorShuffle<Float> S1_HI = VectorShuffle.fromValues(F, 1, 3, 5, 7, 9, 11, 13, 15);
}
