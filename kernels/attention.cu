// Causal attention of one query head at one position over the paged KV cache (numerics.md §8).
// Canonical order: score_j = canonical dot(q, k_j) * scale, one thread per key, 32 register partials (thread_dot);
// keys reduced in fixed splits of S = 64 absolute positions; per split in increasing j: m_s = max score (exact in any
// order), e_j = exp(score_j - m_s), l_s = sequential sum of e_j from +0, o_s[d] = fmaf(e_j, v_j[d], o_s[d]) from +0;
// then in increasing s: M = max m_s, c_s = exp(m_s - M), L = L + l_s * c_s (product rounded), O[d] = fmaf(o_s[d], c_s,
// O[d]); out[d] = O[d] / L. Splits are fixed by position, never by length, batch or chunking.
// A sliding layer (Gemma; window > 0) sees keys max(0, pos - window + 1) .. pos: the same splits, the first cut there
// and those wholly before it left out; a score cap (Gemma 2; softcap > 0) makes each score
// tanh(score / softcap) * softcap after its scale.
// One block per (token, query head); its warps take splits s = warp, warp + warps, .... When every split's o_s fits in
// shared memory (`slots` of them, sized by the host) one pass computes them all; a longer context takes two passes:
// the first finds every m_s and l_s, the second recomputes the splits `warps` at a time (the same operations, so the
// same values) and adds each round's o_s in increasing s. Either way every value is the same.
// Keys and values are read in the cache's stored dtype and widened exactly (§13, kv.cuh), as the CPU widens a row
// before its dot: one kernel per dtype, attention (fp32), attention_bf16, attention_fp8e4m3, attention_fp8e5m2.
// CPU twin: backend/cpu/PagedAttention.attend.
#include "chain.cuh"
#include "kv.cuh"
#include "window.cuh"

#define SPLIT 64

template <class KV>
__device__ __forceinline__ void attention_body(const float* qkv, float* out, const int* positions, const int* tokSeq,
                                               const int* seqTableStart, const int* tables,
                                               const typename KV::T* keyCache, const typename KV::T* valueCache,
                                               int heads, int kvHeads, int headDim, int blockSize, float scale,
                                               int window, float softcap, int maxSplits, int slots) {
    extern __shared__ float smem[];
    const int t = blockIdx.x / heads;
    const int h = blockIdx.x - t * heads;
    const int kvh = h / (heads / kvHeads);
    const int qDim = heads * headDim;
    const int kvDim = kvHeads * headDim;
    const int pos = positions[t];
    const int splits = pos / SPLIT + 1;
    const int lo = first_key(pos, window);                     // the first key seen
    const int s0 = lo / SPLIT;                                  // the first split seen
    const int* table = tables + seqTableStart[tokSeq[t]];
    const int warps = blockDim.x >> 5;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;

    float* q = smem;                               // headDim
    float* e = q + headDim;                        // warps * SPLIT
    int* rowOff = (int*)(e + warps * SPLIT);       // warps * SPLIT: where key/value row j starts in the cache
    float* splitMax = (float*)(rowOff + warps * SPLIT);  // maxSplits
    float* splitSum = splitMax + maxSplits;        // maxSplits
    float* splitOut = splitSum + maxSplits;        // slots * headDim

    const float* qsrc = qkv + (long long)t * (qDim + 2 * kvDim) + h * headDim;
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) q[i] = qsrc[i];
    __syncthreads();

    float* ew = e + warp * SPLIT;
    int* offs = rowOff + warp * SPLIT;
    // Split s by this warp: m_s and l_s (when stats), and o_s into o (when not null).
    auto split = [&](int s, bool stats, float* o) {
        const int j0 = max(lo, s * SPLIT);
        const int j1 = min(pos, s * SPLIT + SPLIT - 1);
        float sc[SPLIT / 32];
        float m = __int_as_float(0xff800000);  // -inf
#pragma unroll
        for (int r = 0; r < SPLIT / 32; r++) {
            const int j = j0 + r * 32 + lane;
            sc[r] = __int_as_float(0xff800000);
            if (j <= j1) {
                const int ko = (table[j / blockSize] * blockSize + j % blockSize) * kvDim + kvh * headDim;
                offs[j - j0] = ko;
                sc[r] = inv::thread_dot_kv<KV>(q, keyCache + ko, headDim) * scale;
                if (softcap > 0.0f) sc[r] = inv::tanh_canon(sc[r] / softcap) * softcap;
                m = inv::jmax(m, sc[r]);
            }
        }
#pragma unroll
        for (int o = 16; o >= 1; o >>= 1) m = inv::jmax(m, __shfl_xor_sync(0xffffffffu, m, o));
#pragma unroll
        for (int r = 0; r < SPLIT / 32; r++) {
            const int j = j0 + r * 32 + lane;
            if (j <= j1) ew[j - j0] = inv::exp_canon(sc[r] - m);
        }
        __syncwarp();
        if (stats && lane == 0) {
            float l = 0.0f;
            for (int j = j0; j <= j1; j++) l = l + ew[j - j0];
            splitMax[s] = m;
            splitSum[s] = l;
        }
        if (o != nullptr) {
            const int len = j1 - j0 + 1;
            for (int d = lane; d < headDim; d += 32) {
                float acc = 0.0f;
#pragma unroll 16
                for (int j = 0; j < len; j++) acc = fmaf(ew[j], KV::load(valueCache[offs[j] + d]), acc);
                o[d] = acc;
            }
        }
        __syncwarp();
    };

    float* dst = out + (long long)t * qDim + h * headDim;
    if (splits <= slots) {
        for (int s = s0 + warp; s < splits; s += warps) split(s, true, splitOut + s * headDim);
        __syncthreads();
        float bigM = __int_as_float(0xff800000);
        for (int s = s0; s < splits; s++) bigM = inv::jmax(bigM, splitMax[s]);
        for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
            float bigL = 0.0f;
            float acc = 0.0f;
            for (int s = s0; s < splits; s++) {
                const float c = inv::exp_canon(splitMax[s] - bigM);
                bigL = bigL + splitSum[s] * c;
                acc = fmaf(splitOut[s * headDim + d], c, acc);
            }
            dst[d] = acc / bigL;
        }
        return;
    }
    // Two passes: every m_s and l_s first (no values read), then o_s in rounds of `warps` splits, added in order.
    for (int s = s0 + warp; s < splits; s += warps) split(s, true, nullptr);
    __syncthreads();
    float bigM = __int_as_float(0xff800000);
    for (int s = s0; s < splits; s++) bigM = inv::jmax(bigM, splitMax[s]);
    constexpr int PER_THREAD = 4;  // headDim <= 4 * blockDim.x (the host checks)
    float acc[PER_THREAD] = {0.0f, 0.0f, 0.0f, 0.0f};
    float bigL = 0.0f;
    for (int r0 = s0; r0 < splits; r0 += warps) {
        if (r0 + warp < splits) split(r0 + warp, false, splitOut + warp * headDim);
        __syncthreads();
        for (int w = 0; w < warps && r0 + w < splits; w++) {
            const int s = r0 + w;
            const float c = inv::exp_canon(splitMax[s] - bigM);
            bigL = bigL + splitSum[s] * c;
#pragma unroll
            for (int i = 0; i < PER_THREAD; i++) {
                const int d = threadIdx.x + i * blockDim.x;
                if (d < headDim) acc[i] = fmaf(splitOut[w * headDim + d], c, acc[i]);
            }
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < PER_THREAD; i++) {
        const int d = threadIdx.x + i * blockDim.x;
        if (d < headDim) dst[d] = acc[i] / bigL;
    }
}

#define INV_ATTENTION(NAME, KV)                                                                                      \
    INV_EXTERN void NAME(const float* qkv, float* out, const int* positions, const int* tokSeq,                     \
                         const int* seqTableStart, const int* tables, const KV::T* keyCache,                        \
                         const KV::T* valueCache, int heads, int kvHeads, int headDim, int blockSize, float scale,  \
                         int window, float softcap, int maxSplits, int slots) {                                     \
        inv::await_inputs();                                                                                        \
        inv::release_next();                                                                                        \
        attention_body<KV>(qkv, out, positions, tokSeq, seqTableStart, tables, keyCache, valueCache, heads,         \
                           kvHeads, headDim, blockSize, scale, window, softcap, maxSplits, slots);                  \
    }

INV_ATTENTION(attention, inv::KvF32)
INV_ATTENTION(attention_bf16, inv::KvBf16)
INV_ATTENTION(attention_fp8e4m3, inv::KvE4m3)
INV_ATTENTION(attention_fp8e5m2, inv::KvE5m2)
