package dev.invariant.engine.numerics;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Canonical matmul over GPTQ-packed weights, read in place (docs/numerics.md, "GPTQ weights"): every output is one
 * canonical dot ({@link Dot}) of a token row with the dequantised weight row, so its bits equal those of a dense matmul
 * over the dequantised matrix. AutoGPTQ packs along the input, each int32 word of a qweight row holding 32 / bits
 * inputs of one output, and consecutive words of a row belong to consecutive outputs; so the lanes here run across
 * 8 outputs: one 8-lane load of a qweight row, shifted and masked, gives input k of outputs n0 .. n0+7. Each output
 * keeps its own 32 partials P[k mod 32] (an 8-lane vector per partial, one lane per output), and the halving tree is
 * then 31 vertical adds that finish all 8 dots at once.
 *
 * <p>The input is walked in chunks of 32: the chunk's 32 x 8 weights are dequantised once into scratch (L1) and
 * applied to every token of the tile, so a prefill reads and unpacks each weight once per 8 tokens.
 */
public final class GptqMatMul {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int LANES = 8;
    private static final int W = Dot.PARTIALS;
    /** Floats of one token's partials: 32 partials x 8 outputs. */
    private static final int BLOCK = W * LANES;
    /** Tokens whose partials stay in scratch together (8 x 1 KB, plus the 1 KB chunk of weights). */
    static final int TOKEN_TILE = 8;

    private GptqMatMul() {
    }

    /** Floats of scratch {@link #rows} needs for {@code tokens} tokens. */
    public static int scratchSize(int tokens, int k) {
        return (Math.min(Math.max(tokens, 1), TOKEN_TILE) + 1) * BLOCK;
    }

    /** For outputs [r0, r1) and tokens t < tokens: y[t * ldy + yo + n] = dot(x[t * ldx ..], w row n). */
    public static void rows(GptqMatrix w, float[] x, int ldx, int tokens, float[] y, int ldy, int yo,
                            int r0, int r1, float[] scratch) {
        int n0 = r0;
        if (Dot.width(w.cols()) == W) {
            for (; n0 + LANES <= r1; n0 += LANES) {
                for (int t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
                    tile(w, x, t0 * ldx, ldx, Math.min(TOKEN_TILE, tokens - t0), y, t0 * ldy + yo, ldy, n0, scratch);
                }
            }
        }
        for (; n0 < r1; n0++) {
            for (int t = 0; t < tokens; t++) y[t * ldy + yo + n0] = scalar(w, n0, x, t * ldx, scratch);
        }
    }

    private static void tile(GptqMatrix w, float[] x, int xo, int ldx, int tokens, float[] y, int yo, int ldy, int n0,
                             float[] p) {
        int k = w.cols(), out = w.rows(), bits = w.bits(), pack = w.pack();
        MemorySegment seg = w.qweight();
        int[] gIdx = w.gIdx();
        float[] zeros = w.zeros(), scales = w.scales();
        int wb = tokens * BLOCK;                                  // the chunk's dequantised weights, [r][lane]
        Arrays.fill(p, 0, wb, 0.0f);
        for (int c = 0; c < k; c += W) {
            int len = Math.min(W, k - c);
            for (int r = 0; r < len; r++) {
                int kk = c + r;
                IntVector word = IntVector.fromMemorySegment(I, seg, ((long) (kk / pack) * out + n0) * 4, LE);
                FloatVector q = (FloatVector) word.lanewise(VectorOperators.LSHR, (kk % pack) * bits)
                        .and((1 << bits) - 1).convert(VectorOperators.I2F, 0);
                int g = gIdx[kk] * out + n0;
                q.sub(FloatVector.fromArray(F, zeros, g)).mul(FloatVector.fromArray(F, scales, g)).intoArray(p, wb + r * LANES);
            }
            for (int t = 0; t < tokens; t++) {
                int po = t * BLOCK, xk = xo + t * ldx + c;
                for (int r = 0; r < len; r++) {
                    FloatVector.broadcast(F, x[xk + r]).fma(FloatVector.fromArray(F, p, wb + r * LANES),
                            FloatVector.fromArray(F, p, po + r * LANES)).intoArray(p, po + r * LANES);
                }
            }
        }
        for (int t = 0; t < tokens; t++) {
            int po = t * BLOCK;
            for (int s = W / 2; s >= 1; s /= 2) {
                for (int q = 0; q < s; q++) {
                    FloatVector.fromArray(F, p, po + q * LANES).add(FloatVector.fromArray(F, p, po + (q + s) * LANES))
                            .intoArray(p, po + q * LANES);
                }
            }
            FloatVector.fromArray(F, p, po).intoArray(y, yo + t * ldy + n0);
        }
    }

    /** One output for one token, element by element: the contract as written (tails and short rows). */
    private static float scalar(GptqMatrix w, int n, float[] x, int xo, float[] p) {
        int k = w.cols(), width = Dot.width(k);
        Arrays.fill(p, 0, width, 0.0f);
        for (int i = 0; i < k; i++) p[i & (width - 1)] = Math.fma(x[xo + i], w.get(n, i), p[i & (width - 1)]);
        return Dot.tree(p, 0, width);
    }
}
