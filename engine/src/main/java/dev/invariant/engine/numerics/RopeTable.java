package dev.invariant.engine.numerics;

import dev.invariant.engine.model.ModelConfig;
import dev.invariant.engine.model.RopeScaling;

/**
 * Rotary-embedding cos/sin tables, built on the host in double with StrictMath and rounded to float
 * once, so every backend (and the GPU, which receives the same table) rotates with the same values.
 * inv_freq[i] = scaling(1 / theta^(2i/r)); angle = pos * inv_freq[i]. Rows are added as positions are needed.
 * With a partial rotary factor only the first r = rotaryDim(d) dims of a head rotate (pairs i, i + r/2); the loader
 * has moved them to pairs i, i + d/2 (PartialRotary), and the table's pairs from r/2 on are the identity (cos 1, sin
 * 0, no attention factor), which passes the other dims through.
 */
public final class RopeTable {
    private final int headDim;
    private final int half;
    private final double[] invFreq;
    /** longrope's factor on cos and sin (binary64, before their one rounding); 1 otherwise. */
    private final double attentionFactor;
    /** Pairs 0 .. rotated - 1 rotate; the rest are the identity. */
    private final int rotated;
    private volatile float[] cos = new float[0];
    private volatile float[] sin = new float[0];

    /** The model's table: every backend builds it here, so RoPE scaling cannot be left out of one of them. */
    public static RopeTable of(ModelConfig c) {
        return new RopeTable(c.headDim(), c.ropeBase(), c.ropeScaling());
    }

    /**
     * The sliding layers' own table ({@link ModelConfig#slidingRopeTheta}): unscaled, rotating the dims the model's
     * does; null where they share the model's.
     */
    public static RopeTable sliding(ModelConfig c) {
        double theta = c.slidingRopeTheta();
        if (theta == 0) return null;
        RopeScaling s = c.ropeScaling();
        return new RopeTable(c.headDim(), theta, RopeScaling.NONE.withRotation(s.partialRotaryFactor(), s.interleaved()));
    }

    public RopeTable(int headDim, double theta) {
        this(headDim, theta, RopeScaling.NONE);
    }

    /**
     * The table of a layer that does not rotate (SmolLM3's NoPE layers): every angle 0, so cos 1 and sin 0 and
     * {@link #rotate} keeps each value (a signed zero aside: {@code a*1 - b*0}); both backends rotate with it, so their
     * bits stay equal where transformers leaves q and k as they are.
     */
    public static RopeTable none(int headDim) {
        return new RopeTable(headDim, new double[headDim / 2]);
    }

    private RopeTable(int headDim, double[] invFreq) {
        this.headDim = headDim;
        this.half = headDim / 2;
        this.invFreq = invFreq;
        this.attentionFactor = 1;
        this.rotated = half;
    }

    public RopeTable(int headDim, double theta, RopeScaling scaling) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("head_dim must be even, got " + headDim);
        this.headDim = headDim;
        this.half = headDim / 2;
        this.invFreq = new double[half];
        int rotary = scaling.rotaryDim(headDim);
        if (rotary <= 0 || rotary % 2 != 0 || rotary > headDim) {
            throw new IllegalArgumentException("rotary dims must be even and in 2.." + headDim + ", got " + rotary);
        }
        this.rotated = rotary / 2;
        for (int i = 0; i < rotated; i++) {
            invFreq[i] = scaling.inverseFrequency(i, rotary, theta);
        }
        this.attentionFactor = scaling.attentionFactor();
    }

    /** The (scaled) inverse frequency of pair i, before rounding: what the angles are computed from. */
    public double invFreq(int i) {
        return invFreq[i];
    }

    public int headDim() {
        return headDim;
    }

    /** Makes rows for positions 0 .. positions-1 available (call before parallel use). */
    public synchronized void ensure(int positions) {
        int have = cos.length / half;
        if (positions <= have) return;
        int n = Math.max(positions, Math.max(64, have * 2));
        float[] c = java.util.Arrays.copyOf(cos, n * half);
        float[] s = java.util.Arrays.copyOf(sin, n * half);
        for (int pos = have; pos < n; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * invFreq[i];
                double f = i < rotated ? attentionFactor : 1;
                c[pos * half + i] = (float) (StrictMath.cos(angle) * f);
                s[pos * half + i] = (float) (StrictMath.sin(angle) * f);
            }
        }
        sin = s;
        cos = c;
    }

    public float cos(int pos, int i) {
        return cos[pos * half + i];
    }

    public float sin(int pos, int i) {
        return sin[pos * half + i];
    }

    /**
     * Rotates one head v[o..o+d) in place (HF rotate-half): for i < d/2, a = v[i], b = v[i + d/2]:
     * v[i] = a*cos - b*sin, v[i + d/2] = b*cos + a*sin; each product rounded, no fma.
     */
    public void rotate(float[] v, int o, int pos) {
        float[] c = cos;
        float[] s = sin;
        int row = pos * half;
        for (int i = 0; i < half; i++) {
            float a = v[o + i];
            float b = v[o + i + half];
            float ci = c[row + i];
            float si = s[row + i];
            float ac = a * ci;
            float bs = b * si;
            float bc = b * ci;
            float as = a * si;
            v[o + i] = ac - bs;
            v[o + i + half] = bc + as;
        }
    }
}
