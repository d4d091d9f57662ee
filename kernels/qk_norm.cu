// OLMo 2's q_norm and k_norm: one RMSNorm over a token's whole q (n = heads * head_dim) and one over its whole k
// (n = kv_heads * head_dim), in place in the token's q|k|v row, before RoPE (numerics.md §4, §9): ss = canonical
// dot(v, v) (one warp), inv = 1 / sqrt(ss / n + eps), v[i] = w[i] * (v[i] * inv). A block of two warps per token:
// warp 0 norms q, warp 1 norms k; each reduction stays within its own row.
// CPU twin: backend/cpu/DecoderForward "if (olmo2)" (RmsNorm.apply over qDim and kvDim).
#include "chain.cuh"
#include "numerics.cuh"

INV_EXTERN void qk_norm_rows(float* qkv, const float* qNorm, const float* kNorm, float eps, int qDim, int kvDim) {
    inv::await_inputs();
    inv::release_next();
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    float* v = qkv + (long long)blockIdx.x * (qDim + 2 * kvDim) + (warp == 0 ? 0 : qDim);
    const float* w = warp == 0 ? qNorm : kNorm;
    const int n = warp == 0 ? qDim : kvDim;
    const float ss = inv::warp_dot(v, v, n);
    const float invr = inv::inv_sqrt_canon(ss / (float)n + eps);
    __syncwarp();  // every lane has read v before any lane rewrites it
    for (int i = lane; i < n; i += 32) v[i] = w[i] * (v[i] * invr);
}
