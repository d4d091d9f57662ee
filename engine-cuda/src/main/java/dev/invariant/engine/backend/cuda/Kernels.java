package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import dev.invariant.engine.model.DType;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * Typed launches of the kernels in kernels/, one method per operation, on the context's stream. Grid shapes follow
 * the work (rows, tokens, heads), never the reduction: each kernel's order is fixed by its canonical definition.
 */
final class Kernels {
    static final CUdeviceptr NULL = new CUdeviceptr();
    /** Attention's fixed key split (docs/numerics.md §8); the kernel's SPLIT. */
    static final int SPLIT = 64;
    private static final int ATTENTION_WARPS = 4;
    private static final int MATMUL_THREADS = 128;  // 32 rows: a quad of threads per row

    private final CudaContext ctx;
    private final CUfunction embedBf16;
    private final CUfunction embedF32;
    private final CUfunction rmsnorm;
    private final CUfunction ropeKv;
    private final CUfunction attention;
    private final CUfunction siluMul;
    private final CUfunction[] matmulBf16;
    private final CUfunction[] matmulF32;
    private final int attentionSmem;

    /** @param maxPositions the longest context attention must serve: it sizes the kernel's shared memory */
    Kernels(CudaContext ctx, int headDim, int maxPositions) {
        this.ctx = ctx;
        embedBf16 = ctx.function("embed", "embed_bf16");
        embedF32 = ctx.function("embed", "embed_f32");
        rmsnorm = ctx.function("rmsnorm", "rmsnorm");
        ropeKv = ctx.function("rope_kv", "rope_kv");
        attention = ctx.function("attention", "attention");
        siluMul = ctx.function("silu_mul", "silu_mul");
        matmulBf16 = new CUfunction[] {ctx.function("matmul", "matmul_bf16_t1"), ctx.function("matmul", "matmul_bf16_t4")};
        matmulF32 = new CUfunction[] {ctx.function("matmul", "matmul_f32_t1"), ctx.function("matmul", "matmul_f32_t4")};
        int splits = (maxPositions + SPLIT - 1) / SPLIT;
        attentionSmem = 4 * (headDim + ATTENTION_WARPS * SPLIT + splits * (headDim + 2));
        if (attentionSmem > ctx.maxSharedPerBlock) {
            throw CudaContext.unavailable("attention over " + maxPositions + " positions needs " + attentionSmem
                    + " bytes of shared memory per block, the GPU has " + ctx.maxSharedPerBlock
                    + "; serve a shorter context (max_model_len)");
        }
        cuFuncSetAttribute(attention, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, attentionSmem);
    }

    void embed(DeviceWeights.Matrix table, CUdeviceptr tokens, CUdeviceptr x, int n) {
        CUfunction f = table.dtype() == DType.BF16 ? embedBf16 : embedF32;
        launch(f, n, 1, 128, 0, table.ptr(), tokens, x, table.cols());
    }

    /** Output row r = RMSNorm of input row rows[r] (rows = NULL: row r), for r < count. */
    void rmsnorm(CUdeviceptr x, CUdeviceptr rows, CUdeviceptr y, CUdeviceptr w, float eps, int dim, int count) {
        launch(rmsnorm, (count + 3) / 4, 1, 128, 0, x, rows, y, w, eps, dim, count);
    }

    /** y[t * ldy + o] = dot(W[o], x[t * ldx ..]) (+ bias[o]) (+ resid[t * ldy + o]); resid may be y itself. */
    void matmul(DeviceWeights.Matrix w, CUdeviceptr x, int ldx, int n, CUdeviceptr y, int ldy,
                CUdeviceptr bias, CUdeviceptr resid) {
        int k = w.cols();
        int vec = k % 8 == 0 && ldx % 4 == 0 ? 1 : 0;
        int tg = n == 1 ? 1 : 4;
        CUfunction f = (w.dtype() == DType.BF16 ? matmulBf16 : matmulF32)[tg == 1 ? 0 : 1];
        int rowsPerBlock = MATMUL_THREADS / 4;
        launch(f, (w.rows() + rowsPerBlock - 1) / rowsPerBlock, (n + tg - 1) / tg, MATMUL_THREADS, 0,
                w.ptr(), x, y, bias, resid, w.rows(), k, ldx, ldy, n, vec);
    }

    void ropeKv(CUdeviceptr qkv, StepInputs in, CUdeviceptr cos, CUdeviceptr sin, CUdeviceptr qNorm, CUdeviceptr kNorm,
                float eps, int heads, int kvHeads, int headDim, int blockSize, CUdeviceptr keys, CUdeviceptr values,
                int n) {
        launch(ropeKv, n, 1, 128, 0, qkv, in.positions(), in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin,
                qNorm, kNorm, eps, heads, kvHeads, headDim, blockSize, keys, values);
    }

    void attention(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values,
                   int heads, int kvHeads, int headDim, int blockSize, float scale, int n) {
        launch(attention, n * heads, 1, 32 * ATTENTION_WARPS, attentionSmem, qkv, out, in.positions(), in.tokenSeq(),
                in.seqTableStart(), in.tables(), keys, values, heads, kvHeads, headDim, blockSize, scale);
    }

    void siluMul(CUdeviceptr gu, CUdeviceptr h, int ffn, int n) {
        long total = (long) ffn * n;
        int blocks = (int) Math.min((total + 255) / 256, 4L * ctx.multiprocessors * 8);
        launch(siluMul, blocks, 1, 256, 0, gu, h, ffn, n);
    }

    private void launch(CUfunction f, int gx, int gy, int threads, int smem, Object... args) {
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            ps[i] = switch (a) {
                case null -> Pointer.to(NULL);
                case CUdeviceptr p -> Pointer.to(p);
                case Integer v -> Pointer.to(new int[] {v});
                case Float v -> Pointer.to(new float[] {v});
                default -> throw new IllegalArgumentException("kernel argument " + a.getClass());
            };
        }
        cuLaunchKernel(f, gx, gy, 1, threads, 1, 1, smem, ctx.stream, Pointer.to(ps), null);
    }
}
