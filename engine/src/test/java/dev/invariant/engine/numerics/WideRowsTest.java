package dev.invariant.engine.numerics;

import static dev.invariant.engine.numerics.DotTest.assertBits;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The register-blocked W = 256 kernels against {@link Dot#reference}, on every token-tile remainder
 * (1..9 tokens: tiles of 4, then 2, then 1) and on every shape of the last chunk of K: none, whole
 * vectors covering one or several register groups, and a scalar remainder of 1..7 lanes.
 */
class WideRowsTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] KS = {256, 257, 263, 264, 272, 300, 320, 383, 384, 504, 511, 512, 896, 903, 1279, 4864};

    @Test
    void everyTokenRemainderAndChunkTailEqualsTheReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int k : KS) {
                for (DType dt : new DType[] {DType.BF16, DType.F32}) {
                    int rows = 3;
                    MemorySegment seg = arena.allocate((long) rows * k * dt.bytes());
                    float[] wf = new float[rows * k];
                    for (int i = 0; i < rows * k; i++) {
                        float v = (float) (rnd.nextGaussian() * Math.exp(2 * rnd.nextGaussian()));
                        if (dt == DType.F32) {
                            seg.setAtIndex(FLOAT, i, v);
                        } else {
                            seg.setAtIndex(SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                        }
                        wf[i] = dt == DType.F32 ? v : Bf16.bf16ToFloat(seg.getAtIndex(SHORT, i));
                    }
                    WeightMatrix m = WeightMatrix.of(Tensor.of("w", dt, new long[] {rows, k}, seg), arena);
                    for (int tokens = 1; tokens <= 9; tokens++) {
                        int ldx = k + 3;
                        float[] x = DotTest.random(rnd, tokens * ldx);
                        int ldy = rows + 1;
                        float[] y = new float[tokens * ldy];
                        MatMul.rows(m, x, ldx, tokens, y, ldy, 1, 0, rows, new float[MatMul.scratchSize(tokens)]);
                        for (int t = 0; t < tokens; t++) {
                            for (int r = 0; r < rows; r++) {
                                assertBits(Dot.reference(x, t * ldx, wf, r * k, k), y[t * ldy + 1 + r],
                                        dt + " k=" + k + " tokens=" + tokens + " token " + t + " row " + r);
                            }
                        }
                    }
                }
            }
        }
    }
}
