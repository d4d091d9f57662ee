package dev.invariant.engine.backend.cuda;

import dev.invariant.engine.NumericsProfile;
import jcuda.driver.CUdeviceptr;

/**
 * The steps of the forward pass whose arithmetic the numerics profile decides, chosen once per backend: portable's
 * canonical kernels ({@link Portable}), naive's batch-dependent ones ({@link NaiveKernels}) or fast's tensor-core
 * projections ({@link FastKernels}), and the layout their projections read weights in.
 */
interface ProfileKernels {
    /** One projection, dense or GPTQ, with {@link ProjectionKernels#matmul}'s contract. */
    void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps, CUdeviceptr in,
                 CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy, CUdeviceptr bias, CUdeviceptr resid);

    /**
     * Causal attention of the step's n tokens over the paged KV cache, with {@link AttentionKernels#attend}'s
     * contract.
     */
    void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values, int heads,
                int kvHeads, int headDim, int blockSize, AttentionScores scores, int n, CUdeviceptr scratch);

    /** Row-major m in the layout {@link #project} reads ({@code consume}: m's memory freed): portable's by default. */
    default DeviceWeights.Matrix layout(CudaContext ctx, Kernels k, DeviceWeights.Matrix m, boolean consume) {
        return DeviceWeights.projection(ctx, k, m, consume);
    }

    /**
     * Whether a mixture's experts (each expert's gate|up and down) take portable's kernels and layout, as portable's
     * and fast's do (docs/numerics.md §12.1: like GPTQ projections, already batch-invariant, and the kernels that pick
     * a token's experts on the device read that layout); false: this profile's, every expert over every token.
     */
    default boolean portableExperts() {
        return true;
    }

    /**
     * @param maxTokens the most tokens (or logits rows) a step projects
     * @param maxCols   the longest row of any projection
     */
    static ProfileKernels of(NumericsProfile profile, CudaContext ctx, Kernels k, int maxTokens, int maxCols) {
        return switch (profile) {
            case PORTABLE -> new Portable(k);
            case NAIVE -> new NaiveKernels(ctx, k);
            case FAST -> new FastKernels(ctx, k, maxTokens, maxCols);
        };
    }

    /** The canonical order: every value the CPU's, bit for bit. */
    record Portable(Kernels kernels) implements ProfileKernels {
        @Override
        public void project(DeviceWeights.Projection p, Kernels.Fused fused, CUdeviceptr norm, float eps,
                            CUdeviceptr in, CUdeviceptr xrows, int ldx, int n, CUdeviceptr y, int ldy,
                            CUdeviceptr bias, CUdeviceptr resid) {
            switch (p) {
                case DeviceWeights.Matrix m ->
                        kernels.projections.matmul(m, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
                case DeviceWeights.Gptq g ->
                        kernels.gptq.matmul(g, fused, norm, eps, in, xrows, ldx, n, y, ldy, bias, resid);
            }
        }

        @Override
        public void attend(CUdeviceptr qkv, CUdeviceptr out, StepInputs in, CUdeviceptr keys, CUdeviceptr values,
                           int heads, int kvHeads, int headDim, int blockSize, AttentionScores scores, int n,
                           CUdeviceptr scratch) {
            kernels.attention.attend(qkv, out, in, keys, values, heads, kvHeads, headDim, blockSize, scores, n,
                    scratch);
        }
    }
}
