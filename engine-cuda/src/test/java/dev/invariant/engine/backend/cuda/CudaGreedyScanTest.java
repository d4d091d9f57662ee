package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.sample.GreedyChoice;
import java.util.SplittableRandom;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kernels/greedy_scan.cu against its definition ({@link GreedyChoice#of}, i.e. sample/LogitScan) on rows built to
 * hit every edge: ties at the maximum anywhere (the last id included), -0 / +0 maxima, -inf rows, NaN (any payload,
 * either sign) and +inf at any id, NaN at id 0, all-NaN rows; thousands of rows of a Qwen vocabulary (151,936: the
 * 16-byte path) and rows of odd and tiny vocabularies (the one-float path). The token, the first NaN/+inf id and that
 * value's bits must be equal.
 */
class CudaGreedyScanTest {
    private static CudaContext ctx;
    private static Kernels kernels;

    @BeforeAll
    static void gpu() {
        Gpu.assume();
        ctx = CudaContext.open(0);
        kernels = new Kernels(ctx, 64, 64, 1024, KvCacheDtype.FP32, 16);
    }

    @AfterAll
    static void close() {
        if (ctx != null) ctx.close();
    }

    @Test
    void qwenVocabularyRowsMatchTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(21);
        for (int batch = 0; batch < 8; batch++) check(rnd, 151936, 512);  // 4,096 rows
        for (int m : new int[] {1, 7, 64}) check(rnd, 151936, m);
    }

    @Test
    void oddAndTinyVocabulariesMatchTheDefinition() {
        SplittableRandom rnd = new SplittableRandom(22);
        for (int vocab : new int[] {1, 2, 3, 4, 5, 7, 31, 32, 33, 1023, 1024, 1025, 4099, 32000, 151937}) {
            check(rnd, vocab, 256);
        }
    }

    private static void check(SplittableRandom rnd, int vocab, int m) {
        float[] flat = new float[m * vocab];
        for (int r = 0; r < m; r++) fill(rnd, flat, r * vocab, vocab, r);
        CUdeviceptr logits = ctx.upload(flat);
        CUdeviceptr out = ctx.alloc(12L * m);
        kernels.greedyScan(logits, vocab, m, out);
        ctx.synchronize();
        int[] got = new int[3 * m];
        cuMemcpyDtoH(Pointer.to(got), out, 12L * m);
        ctx.free(logits);
        ctx.free(out);
        for (int r = 0; r < m; r++) {
            float[] row = java.util.Arrays.copyOfRange(flat, r * vocab, (r + 1) * vocab);
            GreedyChoice want = GreedyChoice.of(row);
            String what = "vocab " + vocab + " row " + r + " (kind " + r % 10 + ")";
            assertEquals(want.token(), got[3 * r], what + ": token");
            assertEquals(want.notFiniteId(), got[3 * r + 1], what + ": first NaN or +inf");
            int bits = want.notFiniteId() < 0 ? 0 : Float.floatToRawIntBits(row[want.notFiniteId()]);
            assertEquals(bits, got[3 * r + 2], what + ": its bits");
        }
    }

    /** Row r of an adversarial kind (r % 10). */
    private static void fill(SplittableRandom rnd, float[] v, int at, int n, int r) {
        int kind = r % 10;
        for (int i = 0; i < n; i++) {
            v[at + i] = switch (kind) {
                case 0 -> (rnd.nextInt(64) - 60) * 0.5f;  // few distinct values: the maximum tied many times
                case 2 -> -1f - rnd.nextInt(1000);
                case 3 -> Float.NEGATIVE_INFINITY;
                case 9 -> Float.NaN;
                default -> (rnd.nextInt() >> 6) * 0x1p-20f;
            };
        }
        int any = rnd.nextInt(n);
        switch (kind) {
            case 1 -> {  // the maximum copied to random ids, sometimes the last
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) max = Math.max(max, v[at + i]);
                for (int k = rnd.nextInt(4); k >= 0; k--) v[at + rnd.nextInt(n)] = max;
                if (rnd.nextBoolean()) v[at + n - 1] = max;
            }
            case 2 -> {  // -0 and +0 the maximum, in any order
                for (int k = 1 + rnd.nextInt(4); k >= 0; k--) v[at + rnd.nextInt(n)] = rnd.nextBoolean() ? -0f : 0f;
            }
            case 3 -> {  // -inf everywhere, or but one id
                if (rnd.nextBoolean()) v[at + any] = -Float.MAX_VALUE;
            }
            case 4 -> v[at + any] = Float.intBitsToFloat((rnd.nextBoolean() ? 0xffc00000 : 0x7fc00000)
                    | rnd.nextInt(1 << 22));  // a NaN, any payload, either sign
            case 5 -> {  // +inf, and a NaN before or after it
                v[at + any] = Float.POSITIVE_INFINITY;
                v[at + rnd.nextInt(n)] = Float.NaN;
            }
            case 6 -> v[at] = Float.NaN;
            case 7 -> v[at + n - 1] = Float.MAX_VALUE;
            case 8 -> {  // the smallest magnitudes: subnormals of both signs around zero
                for (int i = 0; i < n; i++) v[at + i] = (rnd.nextInt(5) - 2) * Float.MIN_VALUE;
            }
            default -> { }
        }
    }
}
