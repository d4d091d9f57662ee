package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.NumericsProfile;
import jcuda.driver.CUdeviceptr;

/**
 * How the forward pass computes its projections, chosen once per backend from the numerics profile: portable's
 * canonical kernels ({@link Kernels#matmul}, {@link Kernels#gptqMatmul}) or naive's batch-dependent split-K
 * ({@link NaiveProjections}). The contract of a call is {@link Kernels#matmul}'s.
 */
interface Projector {
    void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps, CUdeviceptr in,
                 CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid);

    static Projector of(NumericsProfile profile, CudaContext ctx, Kernels k) {
        return switch (profile) {
            case PORTABLE -> portable(k);
            case NAIVE -> new NaiveProjections(ctx, k);
            case FAST -> throw new IllegalArgumentException("the cuda backend does not build the fast profile");
        };
    }

    /** The canonical order: every value the CPU's, bit for bit. */
    static Projector portable(Kernels k) {
        return (p, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid) -> {
            switch (p) {
                case DeviceWeights.Matrix m -> k.matmul(m, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
                case DeviceWeights.Gptq g -> k.gptqMatmul(g, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
            }
        };
    }
}
