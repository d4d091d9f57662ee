// Per token, after the q/k/v projection: Qwen3's per-head q_norm / k_norm (RMSNorm over head_dim, numerics.md §4,
// reduction as in rmsnorm.cu), RoPE on every q and k head (§7: a = v[i], b = v[i + d/2]; v[i] = a*cos - b*sin,
// v[i + d/2] = b*cos + a*sin, each product rounded, no fma, cos/sin from the host's table), then the token's k and v
// rows written into its sequence's KV block, rounded to the cache's stored dtype (§13, kv.cuh). One warp per
// (token, head); only the norms reduce, each within one head. One kernel per stored dtype: rope_kv (fp32), rope_kv_bf16,
// rope_kv_fp8e4m3, rope_kv_fp8e5m2; and the same with the norms after RoPE instead of before (HunYuan's
// query_layernorm / key_layernorm, §9), each head rotated, then normed, then its k row stored: rope_kv_after, ...
// CPU twin: the per-token loop of backend/cpu/DecoderForward (RmsNorm.apply, RopeTable.rotate, PagedKvCache.write).
// A one-token step of a model without the norms does the same in its q|k|v projection instead (rope_epi.cuh).
#include "chain.cuh"
#include "kv.cuh"

// One warp per (token, head): q heads, then k heads, then v heads, as they lie in the token's qkv row. The block's
// cache row is found before it waits for the projection (positions and block tables are the step's inputs, written
// by the host before the first kernel), so only the head's own values are read after.
// RMSNorm of one head in place (§4, the warp's canonical dot), weights w.
__device__ __forceinline__ void head_norm(float* v, const float* w, float eps, int headDim, int lane) {
    const float ss = inv::warp_dot(v, v, headDim);
    const float invr = inv::inv_sqrt_canon(ss / (float)headDim + eps);
    __syncwarp();
    for (int i = lane; i < headDim; i += 32) v[i] = w[i] * (v[i] * invr);
    __syncwarp();
}

template <class KV, bool NORM_AFTER>
__device__ __forceinline__ void rope_kv_body(float* qkv, const int* positions, const int* tokSeq,
                                             const int* seqTableStart, const int* tables, const float* cosT,
                                             const float* sinT, const float* qNorm, const float* kNorm, float eps,
                                             int heads, int kvHeads, int headDim, int blockSize,
                                             typename KV::T* keyCache, typename KV::T* valueCache) {
    const int t = blockIdx.x;
    const int h = blockIdx.y;
    const int lane = threadIdx.x;
    const int qDim = heads * headDim;
    const int kvDim = kvHeads * headDim;
    const int allHeads = heads + kvHeads;  // q heads, then k heads: contiguous in the row
    const int half = headDim / 2;
    const int pos = positions[t];
    const int block = tables[seqTableStart[tokSeq[t]] + pos / blockSize];
    const long long off = ((long long)block * blockSize + pos % blockSize) * kvDim + (long long)(h % kvHeads) * headDim;
    float* v = qkv + (long long)t * (qDim + 2 * kvDim) + (long long)h * headDim;
    inv::await_inputs();
    inv::release_next();

    if (h >= allHeads) {  // a v head: stored as it is
        for (int i = lane; i < headDim; i += 32) valueCache[off + i] = KV::store(v[i]);
        return;
    }
    const float* w = h < heads ? qNorm : kNorm;
    if (qNorm && !NORM_AFTER) head_norm(v, w, eps, headDim, lane);
    const float* c = cosT + (long long)pos * half;
    const float* s = sinT + (long long)pos * half;
    for (int i = lane; i < half; i += 32) {
        const float a = v[i];
        const float b = v[i + half];
        const float ac = a * c[i];
        const float bs = b * s[i];
        const float bc = b * c[i];
        const float as = a * s[i];
        const float lo = ac - bs;
        const float hi = bc + as;
        v[i] = lo;
        v[i + half] = hi;
        if (h >= heads && !NORM_AFTER) {  // a k head: into the cache, rounded to its dtype
            keyCache[off + i] = KV::store(lo);
            keyCache[off + i + half] = KV::store(hi);
        }
    }
    if (NORM_AFTER) {  // the rotated head normed, then a k head into the cache
        __syncwarp();
        if (qNorm) head_norm(v, w, eps, headDim, lane);
        if (h >= heads) {
            for (int i = lane; i < headDim; i += 32) keyCache[off + i] = KV::store(v[i]);
        }
    }
}

#define INV_ROPE_KV(NAME, KV, AFTER)                                                                                 \
    INV_EXTERN void NAME(float* qkv, const int* positions, const int* tokSeq, const int* seqTableStart,              \
                         const int* tables, const float* cosT, const float* sinT, const float* qNorm,               \
                         const float* kNorm, float eps, int heads, int kvHeads, int headDim, int blockSize,         \
                         KV::T* keyCache, KV::T* valueCache) {                                                     \
        rope_kv_body<KV, AFTER>(qkv, positions, tokSeq, seqTableStart, tables, cosT, sinT, qNorm, kNorm, eps,       \
                                heads, kvHeads, headDim, blockSize, keyCache, valueCache);                         \
    }

INV_ROPE_KV(rope_kv, inv::KvF32, false)
INV_ROPE_KV(rope_kv_bf16, inv::KvBf16, false)
INV_ROPE_KV(rope_kv_fp8e4m3, inv::KvE4m3, false)
INV_ROPE_KV(rope_kv_fp8e5m2, inv::KvE5m2, false)
INV_ROPE_KV(rope_kv_after, inv::KvF32, true)
INV_ROPE_KV(rope_kv_after_bf16, inv::KvBf16, true)
INV_ROPE_KV(rope_kv_after_fp8e4m3, inv::KvE4m3, true)
INV_ROPE_KV(rope_kv_after_fp8e5m2, inv::KvE5m2, true)
