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
    /**
     * true: one-token steps take the fused kernels. Off by default: on the H200 (2026-12-02) the fused step was no
     * faster (Qwen2.5-0.5B graph 1,119 vs 1,137 tok/s unfused; Qwen1.5-14B 116.2 vs 118.9 the session before), as
     * rope_kv already overlaps its neighbours through dependent launch. The same bits either way.
     */
    static final String PROPERTY = "invariant.cuda.fused-rope";

    private final CudaContext ctx;
    private final Kernels k;
    private final String ringVariant = StreamRing.variant();
    /** [ring base/w16][dtype bf16/f32]. */
    private final CUfunction[][] fn = new CUfunction[2][2];

    private FusedRope(CudaContext ctx, Kernels k, KvCacheDtype kv) {
        this.ctx = ctx;
        this.k = k;
        String[] dtypes = {"bf16", "f32"};
        for (StreamRing.Shape ring : new StreamRing.Shape[] {StreamRing.BASE, StreamRing.W16}) {
            for (int d = 0; d < 2; d++) {
                CUfunction f = k.dependentFn("matvec_stream", name(dtypes[d], kv, ring));
                cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                        k.matvecSmem);
                if (ring == StreamRing.W16) {  // as ProjectionKernels sets the _w16 projections
                    cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, 100);
                }
                fn[ring == StreamRing.BASE ? 0 : 1][d] = f;
            }
        }
    }

    /** matvec_stream_&lt;dtype&gt;_norm_rope[_&lt;kv&gt;][_w16]. */
    static String name(String dtype, KvCacheDtype kv, StreamRing.Shape ring) {
        return "matvec_stream_" + dtype + "_norm_rope" + Kernels.kvSuffix(kv) + ring.suffix();
    }

    /** The fused kernels, or null when the property turns them off or the model has a per-head q/k norm. */
    static FusedRope of(CudaContext ctx, Kernels k, KvCacheDtype kv, boolean qkNorm) {
        if (qkNorm || !Boolean.parseBoolean(System.getProperty(PROPERTY, "false"))) return null;
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
        // the ring the model's other one-token projections take (StreamRing; pair variants: the base ring), the base
        // ring where that is the wide ring, which has no RoPE kernels
        StreamRing.Shape ring = StreamRing.ring(ringVariant, w.cols(), w.dtype() == DType.BF16, w.cols(), true,
                k.matvecSmem);
        if (ring == StreamRing.WIDE) ring = StreamRing.BASE;  // BASE's shared memory is smaller
        if (ring == null) return false;
        CUfunction f = fn[ring == StreamRing.BASE ? 0 : 1][w.dtype() == DType.BF16 ? 0 : 1];
        k.launchGrid(f, ctx.multiprocessors, 1, 1, ring.threads(), StreamRing.smem(ring, w.cols(), true), w.ptr(), x,
                lw.inputNorm(), eps, qkv, lw.qkvBias(), w.rows(), w.cols(), w.stride(), w.cols(), in.positions(),
                in.tokenSeq(), in.seqTableStart(), in.tables(), cos, sin, heads, kvHeads, headDim, blockSize, keys,
                values);
        return true;
    }
}
