// OLMo 2's q_norm and k_norm: one RMSNorm over a token's whole q (n = heads * head_dim) and one over its whole k
// (n = kv_heads * head_dim), in place in the token's q|k|v row, before RoPE (numerics.md §4, §9): ss = canonical
// dot(v, v) (one warp), inv = 1 / sqrt(ss / n + eps), v[i] = w[i] * (v[i] * inv). A block per token: its threads stage
// q and k in shared memory, warp 0 reduces q and warp 1 k there (the canonical order is a warp's), then every thread
// writes its share; each reduction stays within its own row.
// CPU twin: backend/cpu/DecoderForward "if (olmo2)" (RmsNorm.apply over qDim and kvDim).
#include "chain.cuh"
#include "numerics.cuh"

// Shared memory: qDim + kvDim floats (q, then k), then 2 (their 1/rms).
INV_EXTERN void qk_norm_rows(float* qkv, const float* qNorm, const float* kNorm, float eps, int qDim, int kvDim) {
    extern __shared__ float qk[];
    float* invr = qk + qDim + kvDim;
    inv::await_inputs();
    inv::release_next();
    float* v = qkv + (long long)blockIdx.x * (qDim + 2 * kvDim);
    const int n = qDim + kvDim;
    for (int i = threadIdx.x; i < n; i += blockDim.x) qk[i] = v[i];
    __syncthreads();
    const int warp = threadIdx.x >> 5;
    if (warp < 2) {
        const int len = warp == 0 ? qDim : kvDim;
        const float* r = warp == 0 ? qk : qk + qDim;
        const float ss = inv::warp_dot(r, r, len);
        if ((threadIdx.x & 31) == 0) invr[warp] = inv::inv_sqrt_canon(ss / (float)len + eps);
    }
    __syncthreads();
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const bool q = i < qDim;
        v[i] = (q ? qNorm[i] : kNorm[i - qDim]) * (qk[i] * invr[q ? 0 : 1]);
    }
}
