package dev.invariant.engine.numerics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.backend.cpu.MatMul;
import dev.invariant.engine.model.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;


/** Every fast path equals the plain transcription of the contract ({@link Dot#reference}) bit for bit. */
public class DotTest {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void widthFollowsTheContract() {
        assertEquals(1, Dot.width(0));
        assertEquals(1, Dot.width(1));
        assertEquals(2, Dot.width(2));
        assertEquals(4, Dot.width(3));
        assertEquals(8, Dot.width(8));
        assertEquals(16, Dot.width(9));
        assertEquals(32, Dot.width(17));
        assertEquals(32, Dot.width(31));
        assertEquals(32, Dot.width(32));
        assertEquals(32, Dot.width(33));
        assertEquals(32, Dot.width(100_000));
    }

    @Test
    void referenceIsTheWrittenOrder() {
        // K = 3: W = 4, P = [x0w0, x1w1, x2w2, 0]; tree: (P0 + P2) + (P1 + P3)
        float[] x = {1e8f, 1f, -1e8f};
        float[] w = {1f, 1f, 1f};
        float p0 = 1e8f, p1 = 1f, p2 = -1e8f, p3 = 0f;
        float expected = (p0 + p2) + (p1 + p3);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(Dot.reference(x, 0, w, 0, 3)));
        assertEquals(1f, expected);
    }

    @Test
    void vectorDotAndSumEqualTheReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] scratch = new float[Dot.PARTIALS];
        for (int trial = 0; trial < 600; trial++) {
            int k = trial < 300 ? trial : 1 + rnd.nextInt(5000);
            int xo = rnd.nextInt(5);
            int wo = rnd.nextInt(5);
            float[] x = random(rnd, k + xo);
            float[] w = random(rnd, k + wo);
            assertBits(Dot.reference(x, xo, w, wo, k), Dot.dot(x, xo, w, wo, k, scratch), "dot k=" + k);
            float[] ones = new float[k];
            java.util.Arrays.fill(ones, 1f);
            assertBits(Dot.reference(x, xo, ones, 0, k), Dot.sum(x, xo, k, scratch), "sum k=" + k);
        }
    }

    @Test
    void matmulOverBf16F16AndF32EqualsTheReferencePerElement() {
        SplittableRandom rnd = new SplittableRandom(2);
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 60; trial++) {
                int k = 1 + rnd.nextInt(trial < 30 ? 300 : 1500);
                int rows = 1 + rnd.nextInt(9);
                int tokens = 1 + rnd.nextInt(trial % 10 == 0 ? 40 : 5);
                int ldx = k + rnd.nextInt(3);
                float[] x = random(rnd, tokens * ldx);
                for (DType dt : DType.values()) {
                    if (dt == DType.I32) continue;                 // packed GPTQ integers: GptqMatMulTest
                    MemorySegment seg = arena.allocate((long) rows * k * dt.bytes());
                    float[] wf = new float[rows * k];
                    for (int i = 0; i < rows * k; i++) {
                        float v = (float) rnd.nextGaussian();
                        switch (dt) {
                            case F32 -> seg.setAtIndex(FLOAT, i, v);
                            case BF16 -> seg.setAtIndex(SHORT, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                            case F16 -> seg.setAtIndex(SHORT, i, Float.floatToFloat16(v));
                        }
                        wf[i] = switch (dt) {
                            case F32 -> v;
                            case BF16 -> Bf16.bf16ToFloat(seg.getAtIndex(SHORT, i));
                            case F16 -> Float.float16ToFloat(seg.getAtIndex(SHORT, i));
                            case I32 -> throw new IllegalStateException("skipped above");
                        };
                    }
                    var t = dev.invariant.engine.model.Tensor.of("w", dt, new long[] {rows, k}, seg);
                    WeightMatrix m = WeightMatrix.of(t, arena);
                    int ldy = rows + 2;
                    float[] y = new float[tokens * ldy];
                    MatMul.rows(m, x, ldx, tokens, y, ldy, 1, 0, rows, new float[MatMul.scratchSize(tokens, k)]);
                    for (int tk = 0; tk < tokens; tk++) {
                        for (int r = 0; r < rows; r++) {
                            assertBits(Dot.reference(x, tk * ldx, wf, r * k, k), y[tk * ldy + 1 + r],
                                    dt + " k=" + k + " row " + r + " token " + tk);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rmsNormFollowsTheContract() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int n : new int[] {1, 7, 8, 64, 100, 896, 1000}) {
            float[] x = random(rnd, n);
            float[] w = random(rnd, n);
            float[] y = new float[n];
            RmsNorm.apply(x, 0, w, 1e-6f, n, y, 0, new float[Dot.PARTIALS]);
            float ss = Dot.reference(x, 0, x, 0, n);
            float inv = (float) (1.0 / (double) (float) Math.sqrt(ss / n + 1e-6f));
            // 1 / sqrt: two correctly rounded steps, transcribed independently.
            float sqrt = (float) Math.sqrt((double) (ss / n + 1e-6f));
            inv = 1.0f / sqrt;
            for (int i = 0; i < n; i++) assertBits(w[i] * (x[i] * inv), y[i], "rmsnorm n=" + n + " i=" + i);
        }
    }

    public static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian()));
        return a;
    }

    public static void assertBits(float expected, float actual, String what) {
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                what + ": expected " + expected + ", got " + actual);
    }
}
