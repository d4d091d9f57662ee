package dev.invariant.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.model.DType;
import dev.invariant.engine.model.Tensor;
import dev.invariant.engine.model.gptq.GptqConfig;
import dev.invariant.engine.model.gptq.GptqLayout;
import dev.invariant.engine.model.gptq.GptqLinear;
import dev.invariant.engine.numerics.Dot;
import dev.invariant.engine.numerics.GptqMatrix;
import dev.invariant.engine.numerics.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;


/**
 * The packed-weight matmul gives, bit for bit, the canonical dot of each token with the dequantised row
 * ({@link Dot#reference} over {@link GptqMatrix#row}), whatever the number of tokens, the row range a thread is
 * given, the bits, the group size and act-order; and the same bits as the dense kernel over those dequantised values.
 */
class GptqMatMulTest {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A random layer in the AutoGPTQ layout; act-order shuffles g_idx. */
    static GptqMatrix random(Random rnd, GptqConfig c, int in, int out) {
        return GptqMatrix.of(randomLinear(rnd, c, in, out), Arena.ofAuto());
    }

    static GptqLinear randomLinear(Random rnd, GptqConfig c, int in, int out) {
        int pack = c.pack(), groups = c.groups(in), mask = (1 << c.bits()) - 1;
        Arena a = Arena.ofAuto();
        MemorySegment qw = a.allocate((long) in / pack * out * 4), qz = a.allocate((long) groups * out / pack * 4);
        MemorySegment sc = a.allocate((long) groups * out * 2), gi = a.allocate(in * 4L);
        for (long i = 0; i < qw.byteSize() / 4; i++) qw.setAtIndex(I32, i, rnd.nextInt());
        for (long i = 0; i < qz.byteSize() / 4; i++) qz.setAtIndex(I32, i, rnd.nextInt());
        for (long i = 0; i < sc.byteSize() / 2; i++) sc.setAtIndex(U16, i, Float.floatToFloat16((float) rnd.nextGaussian() * 0.01f));
        int[] perm = new int[in];
        for (int k = 0; k < in; k++) perm[k] = k;
        if (c.descAct()) {
            for (int k = in - 1; k > 0; k--) {
                int j = rnd.nextInt(k + 1), t = perm[k];
                perm[k] = perm[j];
                perm[j] = t;
            }
        }
        for (int k = 0; k < in; k++) gi.setAtIndex(I32, k, c.groupSize() == -1 ? 0 : perm[k] / c.groupSize());
        assert mask > 0;
        return (new GptqLinear("t", c, in, out, Tensor.of("t.qweight", DType.I32, new long[] {in / pack, out}, qw),
                Tensor.of("t.qzeros", DType.I32, new long[] {groups, out / pack}, qz),
                Tensor.of("t.scales", DType.F16, new long[] {groups, out}, sc), Tensor.of("t.g_idx", DType.I32, new long[] {in}, gi)));
    }

    @Test
    void packedKernelEqualsTheCanonicalDotOfTheDequantisedRows() {
        Random rnd = new Random(3);
        GptqConfig[] configs = {new GptqConfig(8, 32, true, true, false), new GptqConfig(4, 128, false, false, false),
                new GptqConfig(4, -1, false, true, false), new GptqConfig(8, 40, true, false, true),
                new GptqConfig(8, 64, false, true, false), new GptqConfig(8, -1, false, false, false)};
        int[][] shapes = {{256, 40}, {200, 24}, {128, 64}, {16, 8}};
        for (GptqConfig c : configs) {
            for (int[] shape : shapes) {
                int in = shape[0], out = shape[1];
                if (c.groupSize() > 0 && in % c.groupSize() != 0 && c.groupSize() != 40 && c.groupSize() != 64) continue;
                GptqMatrix w = random(rnd, c, in, out);
                float[][] rows = new float[out][in];
                for (int n = 0; n < out; n++) w.row(n, rows[n], 0);
                // the same values as a dense f32 matrix, for the dense kernel
                MemorySegment dense = Arena.ofAuto().allocate((long) in * out * 4);
                for (int n = 0; n < out; n++) for (int k = 0; k < in; k++) dense.setAtIndex(F32, (long) n * in + k, rows[n][k]);
                WeightMatrix dm = new WeightMatrix("d", dense, DType.F32, out, in);
                for (int tokens : new int[] {1, 2, 3, 8, 9, 17}) {
                    float[] x = new float[tokens * in];
                    for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                    int ldy = out + 3;
                    float[] y = new float[tokens * ldy], yd = new float[tokens * ldy];
                    float[] scratch = new float[Math.max(GptqMatMul.scratchSize(tokens, in), MatMul.scratchSize(tokens, in))];
                    // three uneven pieces, as threads claim them
                    int cut1 = Math.min(out, 5), cut2 = Math.min(out, 21);
                    GptqMatMul.rows(w, x, in, tokens, y, ldy, 1, 0, cut1, scratch);
                    GptqMatMul.rows(w, x, in, tokens, y, ldy, 1, cut1, cut2, scratch);
                    GptqMatMul.rows(w, x, in, tokens, y, ldy, 1, cut2, out, scratch);
                    MatMul.rows(dm, x, in, tokens, yd, ldy, 1, 0, out, scratch);
                    for (int t = 0; t < tokens; t++) {
                        for (int n = 0; n < out; n++) {
                            float ref = Dot.reference(x, t * in, rows[n], 0, in);
                            String what = c.describe() + " " + in + "x" + out + " tokens " + tokens + " t " + t + " n " + n;
                            assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(y[t * ldy + 1 + n]), what);
                            assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(yd[t * ldy + 1 + n]), what);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rowsHoldTheContractValues() {
        Random rnd = new Random(5);
        for (GptqConfig c : new GptqConfig[] {new GptqConfig(4, 32, true, false, false), new GptqConfig(8, 16, false, true, false),
                new GptqConfig(4, -1, false, false, true)}) {
            for (int in : new int[] {64, 72, 200}) {
                GptqLinear l = randomLinear(rnd, c, in, 16);
                GptqMatrix w = GptqMatrix.of(l, Arena.ofAuto());
                float[] row = new float[in + 64];
                for (int n = 0; n < 16; n++) {
                    GptqMatMul.dequantRow(w, n, row, 64);
                    for (int k = 0; k < in; k++) {
                        assertEquals(GptqLayout.q(l, k, n), w.q(n, k), "repacked q");
                        int bits = Float.floatToRawIntBits(GptqLayout.weight(l, k, n));
                        assertEquals(bits, Float.floatToRawIntBits(w.get(n, k)), c.describe() + " n " + n + " k " + k);
                        assertEquals(bits, Float.floatToRawIntBits(row[64 + k]), "dequantRow " + c.describe() + " k " + k);
                    }
                }
            }
        }
    }
}
