package dev.invariant.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;

import dev.invariant.engine.kv.KvCacheDtype;
import dev.invariant.engine.model.DType;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * The one-token q|k|v projection with RoPE and the KV cache write fused into it (kernels/matvec_stream.cu's
 * matvec_stream_&lt;dtype&gt;_norm_rope[_&lt;kv&gt;], kernels/rope_epi.cuh): where it runs, the step has one kernel per
 * layer fewer (no rope_kv.cu), and the same values (every row the same canonical dot, then rope_kv's expressions).
 * Only the portable profile's dense projections of a one-token step (decode at batch 1) of a model without a per-head
 * q/k norm (Qwen3's norm needs a whole head: rope_kv keeps it); every other step is projected, then rope_kv'd.
 */
final class FusedRope {
    /** false: every step takes the projection, then rope_kv.cu (to compare; the same bits). */
    static final String PROPERTY = "invariant.cuda.fused-rope";
    /** matvec_stream.cu's base ring (STREAM_WARPS x SLOTS x SEG_GROUPS), as Kernels launches it. */
    private static final int WARPS = 8;
    private static final int RING = WARPS * 3 * (8 * 512 + 576);

    private final CudaContext ctx;
    private final Kernels k;
    /** [dtype bf16/f32]. */
    private final CUfunction[] fn = new CUfunction[2];

    private FusedRope(CudaContext ctx, Kernels k, KvCacheDtype kv) {
        this.ctx = ctx;
        this.k = k;
        String[] dtypes = {"bf16", "f32"};
        for (int d = 0; d < 2; d++) {
            fn[d] = k.dependentFn("matvec_stream", "matvec_stream_" + dtypes[d] + "_norm_rope" + Kernels.kvSuffix(kv));
            cuFuncSetAttribute(fn[d], CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    k.matvecSmem);
        }
    }

    /** The fused kernels, or null when the property turns them off or the model has a per-head q/k norm. */
    static FusedRope of(CudaContext ctx, Kernels k, KvCacheDtype kv, boolean qkNorm) {
        if (qkNorm || !Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) return null;
        return new FusedRope(ctx, k, kv);
    }

    /**
     * Enqueues input_layernorm, the q|k|v projection (+ bias), RoPE on q and k, and the KV cache write of a step's one
     * token (x row 0) when this kernel takes it, and says whether it did; false: nothing enqueued, the caller projects
     * and runs rope_kv.
     */
    boolean project(ProfileKernels profile, DeviceWeights.Layer lw, float eps, CUdeviceptr x, int n, CUdeviceptr qkv,
                    StepInputs in, CUdeviceptr cos, CUdeviceptr sin, int heads, int kvHeads, int headDim,
                    int blockSize, CUdeviceptr keys, CUdeviceptr values) {
        if (n != 1 || !(profile instanceof ProfileKernels.Portable) || !(lw.qkv() instanceof DeviceWeights.Matrix w)
                || lw.qNorm() != null || (headDim & 1) != 0) {
            return false;
        }
        int smem = RING + Kernels.smem(w.cols(), 2);  // the ring, the input row and the norm's weights
        if (smem > k.matvecSmem) return false;
        k.launchGrid(fn[w.dtype() == DType.BF16 ? 0 : 1], ctx.multiprocessors, 1, 1, 32 * WARPS, smem, w.ptr(), x,
                lw.inputNorm(), eps, qkv, lw.qkvBias(), w.rows(), w.cols(), w.stride(), w.cols(), in.positions(),
                in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin, heads, kvHeads, headDim, blockSize, keys,
                values);
        return true;
    }
}
