package dev.invariant.engine.numerics;

import dev.invariant.engine.model.gptq.GptqLayout;
import dev.invariant.engine.model.gptq.GptqLinear;
import java.lang.foreign.MemorySegment;

/**
 * A GPTQ layer as the kernels read it: {@code qweight} stays packed in the checkpoint's memory (never dequantised as a
 * whole); the small per-group tables are widened once at load: scales to binary32 and zeros to the binary32 of the
 * integer z (both exact), [groups][out] each, and {@code g_idx} as an int array. Row {@code n} of this matrix is
 * output n, its column k input k: {@code w[n][k] = ((float) q - zero[g][n]) * scale[g][n]} with g = gIdx[k], the
 * contract's {@code (float) (q - z) * s} (the subtraction of two small integers is exact).
 */
public record GptqMatrix(String name, MemorySegment qweight, int bits, int rows, int cols, int[] gIdx,
                         float[] zeros, float[] scales) implements Matrix {

    public static GptqMatrix of(GptqLinear l) {
        int out = l.out(), in = l.in(), groups = l.config().groups(in);
        float[] z = new float[Math.multiplyExact(groups, out)];
        float[] s = new float[z.length];
        for (int g = 0; g < groups; g++) {
            for (int n = 0; n < out; n++) {
                z[g * out + n] = GptqLayout.zero(l, g, n);
                s[g * out + n] = GptqLayout.scale(l, g, n);
            }
        }
        int[] gi = new int[in];
        for (int k = 0; k < in; k++) {
            int g = GptqLayout.group(l, k);
            if (g < 0 || g >= groups) {
                throw new dev.invariant.engine.EngineException(dev.invariant.engine.ErrorCode.MODEL_FORMAT, "GPTQ tensor "
                        + l.name() + ".g_idx[" + k + "] = " + g + " is outside its " + groups + " groups");
            }
            gi[k] = g;
        }
        return new GptqMatrix(l.name(), l.qweight().data(), l.config().bits(), out, in, gi, z, s);
    }

    public int pack() {
        return 32 / bits;
    }

    /** The quantised value of input k for output n. */
    public int q(int n, int k) {
        int word = GptqLayout.int32(qweight, (long) (k / pack()) * rows + n);
        return (word >>> (bits * (k % pack()))) & ((1 << bits) - 1);
    }

    /** w[n][k], exactly as the contract defines it. */
    public float get(int n, int k) {
        int i = gIdx[k] * rows + n;
        return ((float) q(n, k) - zeros[i]) * scales[i];
    }

    /** Row n (output n's weights over all inputs) into out[off ..]. */
    public void row(int n, float[] out, int off) {
        for (int k = 0; k < cols; k++) out[off + k] = get(n, k);
    }
}
