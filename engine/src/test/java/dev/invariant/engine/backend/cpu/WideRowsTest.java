package dev.invariant.engine.backend.cpu;

import static dev.invariant.engine.numerics.DotTest.assertBits;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.DotTest;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;


/**
 * The W = 32 kernels against {@link Dot#reference}, on 1..9 tokens (pairs, then one), on every shape of the last
 * chunk of K (none, a K shorter than one chunk, a partial chunk of 1..31 lanes) and on 3 and 11 rows (fewer than
 * the group of eight rows whose trees finish together, and a group and some).
 */
class WideRowsTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] KS = {17, 24, 31, 32, 33, 39, 40, 44, 47, 48, 52, 56, 60, 63, 64, 65, 100, 172, 256, 263, 896, 903,
        1279, 4864};

    @Test
    void everyTokenRemainderAndChunkTailEqualsTheReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int k : KS) {
                for (DType dt : new DType[] {DType.BF16, DType.F32}) {
                    for (int rows : new int[] {3, 11}) {
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
                            float[] scratch = new float[MatMul.scratchSize(tokens, k)];
                            MatMul.rows(m, x, ldx, tokens, y, ldy, 1, 0, rows, scratch);
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
}
