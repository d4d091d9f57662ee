package dev.invariant.engine.numerics;

/**
 * Softmax over a logits vector (for samplers): m = max (exact in any order); e_i = exp(x_i - m);
 * s = canonical sum of e; p_i = e_i / s.
 */
public final class Softmax {
    private Softmax() {
    }

    public static float[] apply(float[] x) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : x) m = Math.max(m, v);
        float[] e = new float[x.length];
        for (int i = 0; i < x.length; i++) e[i] = FloatMath.exp(x[i] - m);
        float s = Dot.sum(e, 0, e.length, new float[Dot.PARTIALS]);
        for (int i = 0; i < e.length; i++) e[i] = e[i] / s;
        return e;
    }
}
