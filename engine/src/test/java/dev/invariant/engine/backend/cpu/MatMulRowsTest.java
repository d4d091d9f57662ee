package dev.invariant.engine.backend.cpu;

import static dev.invariant.engine.numerics.DotTest.assertBits;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.numerics.Bf16;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MatMul#rows} against {@link Dot#reference}, bit for bit, on row ranges that are not whole groups of the rows
 * whose trees finish together (1..17 and 100 rows, cut in three pieces as threads claim them), tokens 1..5, 16 and 17
 * (a tile and one more), K whole chunks or not. Three kinds of values: spread magnitudes; large terms that cancel, so
 * that any other pairing in the tree changes the bits; and products that underflow to signed zeros, whole rows of -0.
 */
class MatMulRowsTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int[] KS = {17, 31, 32, 33, 63, 64, 65, 96, 127, 172, 256, 896, 903};
    private static final int[] TOKENS = {1, 2, 3, 4, 5, 16, 17};
    private static final int MAX_ROWS = 100;

    private enum Values { SPREAD, CANCELLING, SIGNED_ZEROS }

    @Test
    void everyRowCountTokenCountAndKEqualsTheReference() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined()) {
            for (int k : KS) {
                for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                    for (Values values : Values.values()) {
                        float[] wf = new float[MAX_ROWS * k];
                        WeightMatrix m = matrix(rnd, values, dt, k, wf, arena);
                        for (int tokens : TOKENS) {
                            int ldx = k + 5;
                            float[] x = new float[tokens * ldx];
                            for (int i = 0; i < x.length; i++) x[i] = value(rnd, values, 0);
                            for (int rows = 1; rows <= 18; rows++) {
                                check(m, wf, x, ldx, tokens, rows == 18 ? MAX_ROWS : rows, dt + " " + values + " k=" + k);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void check(WeightMatrix m, float[] wf, float[] x, int ldx, int tokens, int rows, String what) {
        int k = m.cols();
        int ldy = rows + 1;
        float[] y = new float[tokens * ldy]; // row rows - 1 of the last token is the array's last element
        float[] scratch = new float[MatMul.scratchSize(tokens, k)];
        int cut1 = rows / 3, cut2 = 2 * rows / 3 + 1;
        MatMul.rows(m, x, ldx, tokens, y, ldy, 1, 0, cut1, scratch);
        MatMul.rows(m, x, ldx, tokens, y, ldy, 1, cut1, Math.min(cut2, rows), scratch);
        MatMul.rows(m, x, ldx, tokens, y, ldy, 1, Math.min(cut2, rows), rows, scratch);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                assertBits(Dot.reference(x, t * ldx, wf, r * k, k), y[t * ldy + 1 + r],
                        what + " rows=" + rows + " tokens=" + tokens + " token " + t + " row " + r);
            }
        }
    }

    /** A weight matrix of MAX_ROWS rows in dt; wf gets the values it holds (bf16 rounded). */
    private static WeightMatrix matrix(SplittableRandom rnd, Values values, DType dt, int k, float[] wf, Arena arena) {
        MemorySegment seg = arena.allocate((long) MAX_ROWS * k * dt.bytes());
        for (int r = 0; r < MAX_ROWS; r++) {
            int sign = r % 3 - 1; // for SIGNED_ZEROS: rows of -0, of +0, and of both
            for (int c = 0; c < k; c++) {
                int i = r * k + c;
                float v = value(rnd, values, sign == 0 ? (rnd.nextBoolean() ? 1 : -1) : sign);
                if (dt == DType.F32) {
                    seg.setAtIndex(FLOAT, i, v);
                } else {
                    seg.setAtIndex(SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                }
                wf[i] = dt == DType.F32 ? v : Bf16.bf16ToFloat(seg.getAtIndex(SHORT, i));
            }
        }
        return WeightMatrix.of(Tensor.of("w", dt, new long[] {MAX_ROWS, k}, seg), arena);
    }

    /** x (rowSign 0) or a weight of a row whose sign, for SIGNED_ZEROS, is rowSign. */
    private static float value(SplittableRandom rnd, Values values, int rowSign) {
        return switch (values) {
            case SPREAD -> (float) (rnd.nextGaussian() * Math.exp(2 * rnd.nextGaussian()));
            // terms of 2^20..2^26 with random signs and a fraction: partial sums cancel, the tree's order shows
            case CANCELLING -> rowSign == 0 ? (float) (1 + rnd.nextGaussian() / 1024)
                    : (rnd.nextBoolean() ? 1 : -1) * (float) Math.scalb(1 + rnd.nextInt(1 << 7) / 128.0, 20 + rnd.nextInt(7));
            // products of about 1e-50 round to zero with the product's sign: a row of negative weights gives -0
            case SIGNED_ZEROS -> rowSign == 0 ? (float) (1e-25 * (1 + rnd.nextDouble()))
                    : rowSign * (float) (1e-25 * (1 + rnd.nextDouble()));
        };
    }
}
