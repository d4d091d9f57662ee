// The norm of a sublayer's output, then the residual add (Gemma's and OLMo 2's post_attention_layernorm and
// post_feedforward_layernorm): per token, ss = canonical dot(o, o) (one warp, numerics.md §2), inv = 1 / sqrt(ss / n +
// eps), x[i] = x[i] + w[i] * (o[i] * inv) (§4's RMSNorm, then one rounded add). A block per token: its threads stage
// the row in shared memory, one warp reduces it there (the canonical order is a warp's), then every thread writes its
// share; the only reduction is within the token's own row.
// CPU twin: backend/cpu/DecoderForward "if (outputNorms) norm(o, o, ...)" then addResidual (RmsNorm.apply).
#include "chain.cuh"
#include "numerics.cuh"

// Shared memory: dim floats (the row), then 1 (its 1/rms).
INV_EXTERN void norm_add(const float* o, const float* w, float* x, float eps, int dim) {
    extern __shared__ float row[];
    float* invr = row + dim;
    inv::await_inputs();
    inv::release_next();
    const long long at = (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) row[i] = o[at + i];
    __syncthreads();
    if (threadIdx.x < 32) {
        const float ss = inv::warp_dot(row, row, dim);
        if (threadIdx.x == 0) *invr = inv::inv_sqrt_canon(ss / (float)dim + eps);
    }
    __syncthreads();
    const float r = *invr;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) x[at + i] = x[at + i] + w[i] * (row[i] * r);
}
