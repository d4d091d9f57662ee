// LayerNorm of each token's row (GPT-NeoX, Phi; docs/numerics.md §4): mean = canonical sum(x) / n (the canonical dot
// with 1, §2), d[i] = x[i] - mean, var = canonical dot(d, d) / n, inv = 1 / sqrt(var + eps) (both correctly rounded),
// y[i] = w[i] * (d[i] * inv) + b[i], each operation rounded, no fma outside the dots. A block per token: its threads
// stage the row in shared memory, one warp sums it (the canonical order is a warp's), the threads centre it, the
// warp reduces the centred row, then every thread writes its share; the only reductions are within the token's row.
// rows (may be null): the input row each output row takes (the final norm of the logits' rows only).
// CPU twin: numerics/LayerNorm.apply (backend/cpu/DecoderForward's norms with a bias).
#include "chain.cuh"
#include "numerics.cuh"

// Shared memory: dim floats (the row, then its centred values), then 2 (the mean, then 1/std).
INV_EXTERN void layer_norm(const float* x, const int* rows, const float* w, const float* b, float* y, float eps,
                           int dim) {
    extern __shared__ float row[];
    float* stats = row + dim;
    inv::await_inputs();
    inv::release_next();
    const long long from = (long long)(rows ? rows[blockIdx.x] : blockIdx.x) * dim;
    const long long to = (long long)blockIdx.x * dim;
    for (int i = threadIdx.x; i < dim; i += blockDim.x) row[i] = x[from + i];
    __syncthreads();
    if (threadIdx.x < 32) {
        const float sum = inv::warp_sum(row, dim);
        if (threadIdx.x == 0) stats[0] = sum / (float)dim;
    }
    __syncthreads();
    const float mean = stats[0];
    for (int i = threadIdx.x; i < dim; i += blockDim.x) row[i] = row[i] - mean;
    __syncthreads();
    if (threadIdx.x < 32) {
        const float ss = inv::warp_dot(row, row, dim);
        if (threadIdx.x == 0) stats[1] = inv::inv_sqrt_canon(ss / (float)dim + eps);
    }
    __syncthreads();
    const float r = stats[1];
    for (int i = threadIdx.x; i < dim; i += blockDim.x) y[to + i] = w[i] * (row[i] * r) + b[i];
}
