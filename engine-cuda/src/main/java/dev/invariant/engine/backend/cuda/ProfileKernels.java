package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.NumericsProfile;
import jcuda.driver.CUdeviceptr;

/**
 * The steps of the forward pass whose arithmetic the numerics profile decides, chosen once per backend: portable's
 * canonical kernels ({@link Portable}) or naive's batch-dependent ones ({@link NaiveKernels}).
 */
interface ProfileKernels {
    /** One projection, dense or GPTQ, with {@link Kernels#matmul}'s contract. */
    void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps, CUdeviceptr in,
                 CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid);

    /** Causal attention of the step's n tokens over the paged KV cache, with {@link Kernels#attention}'s contract. */
    void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads,
                int kvHeads, int headDim, int blockSize, float scale, int n, CUdeviceptr scratch);

    static ProfileKernels of(NumericsProfile profile, CudaContext ctx, Kernels k) {
        return switch (profile) {
            case PORTABLE -> new Portable(k);
            case NAIVE -> new NaiveKernels(ctx, k);
            case FAST -> throw new IllegalArgumentException("the cuda backend does not build the fast profile");
        };
    }

    /** The canonical order: every value the CPU's, bit for bit. */
    record Portable(Kernels k) implements ProfileKernels {
        @Override
        public void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps,
                            CUdeviceptr in, CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy,
                            CUdeviceptr bias, CUdeviceptr resid) {
            switch (p) {
                case DeviceWeights.Matrix m -> k.matmul(m, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
                case DeviceWeights.Gptq g -> k.gptqMatmul(g, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
            }
        }

        @Override
        public void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values,
                           int heads, int kvHeads, int headDim, int blockSize, float scale, int n,
                           CUdeviceptr scratch) {
            k.attention(qkv, out, in, keys, values, heads, kvHeads, headDim, blockSize, scale, n, scratch);
        }
    }
}
