// Causal attention for steps of few tokens (decode), the splits of one query head spread over many warps and blocks
// (numerics.md §8). The same operations as attention.cu, grouped for latency instead of one block per head:
// Canonical order: score_j = canonical dot(q, k_j) * scale, one thread per key, 32 register partials (thread_dot);
// keys reduced in fixed splits of S = 64 absolute positions; per split in increasing j: m_s = max score (exact in any
// order), e_j = exp(score_j - m_s), l_s = sequential sum of e_j from +0, o_s[d] = fmaf(e_j, v_j[d], o_s[d]) from +0;
// then in increasing s: M = max m_s, c_s = exp(m_s - M), L = L + l_s * c_s (product rounded), O[d] = fmaf(o_s[d], c_s,
// O[d]); out[d] = O[d] / L. Splits are fixed by position, never by length, batch or chunking.
// A sliding layer (Gemma; window > 0) sees keys max(0, pos - window + 1) .. pos: the same splits, the first cut there
// and those wholly before it left out of the merge; a score cap (Gemma 2; softcap > 0) makes each score
// tanh(score / softcap) * softcap after its scale (numerics.md §8).
// attention_splits: a warp per split (block (token, head, g) takes splits g * warps + warp + k * gridDim.y * warps);
// the split's key and value rows are copied into the warp's shared memory by the whole warp (cp.async), the value
// rows still on their way while the scores are computed from the keys, so a split costs about two memory latencies.
// m_s, l_s and o_s go to a scratch array; the last block of a (token, head) to finish (an integer counter: no float
// atomics) then adds them in increasing s, the merge attention_merge does (kept for naive's records-only use and for
// comparison), so one kernel does both. Which warp or block computes a split, or which block merges, never changes a
// value.
// Keys and values are read in the cache's stored dtype and widened exactly (§13, kv.cuh): one attention_splits per
// dtype (attention_splits, attention_splits_bf16, _fp8e4m3, _fp8e5m2); narrow value rows are widened into shared
// memory by plain loads (cp.async copies fp32 rows only).
// CPU twin: backend/cpu/PagedAttention.attend.
#include "attention_split.cuh"
#include "chain.cuh"
#include "kv.cuh"
#include "window.cuh"


// part: per (token, head) maxSplits records of [m_s, l_s, o_s[headDim]] (headDim + 2 floats).
// Shared memory: headDim (q) + warps * (SPLIT (e) + SPLIT (offsets) + SPLIT * headDim (v rows) + SPLIT * kst (k rows))
// floats, kst = key_stride(headDim): a key row padded so that the threads of a warp, each reading its own row, hit
// different banks.
// Where the work lies (at): unit() = token * heads + head, group() of groups(), warps() taking splits per block and
// this thread's warp(); the kernel's are its block's (InGrid), a persistent kernel passes its own (a warp with
// nothing to do gives warp() >= the splits, so its loop is empty). Every thread of the block must call it.
struct InGrid {
    __device__ __forceinline__ unsigned unit() const { return blockIdx.x; }
    __device__ __forceinline__ unsigned group() const { return blockIdx.y; }
    __device__ __forceinline__ unsigned groups() const { return gridDim.y; }
    __device__ __forceinline__ unsigned warps() const { return blockDim.x >> 5; }
    __device__ __forceinline__ unsigned warp() const { return threadIdx.x >> 5; }
};
template <class KV, class At = InGrid>
__device__ __forceinline__ void attention_splits_body(const float* qkv, float* part, const int* positions,
                                                      const int* tokSeq, const int* seqTableStart, const int* tables,
                                                      const typename KV::T* keyCache,
                                                      const typename KV::T* valueCache, int heads, int kvHeads,
                                                      int headDim, int blockSize, float scale, int window,
                                                      float softcap, int maxSplits, float* out, int* done,
                                                      At at = At()) {
    extern __shared__ float4 smem4[];
    float* smem = reinterpret_cast<float*>(smem4);
    const int t = at.unit() / heads;
    const int h = at.unit() - t * heads;
    const int kvh = h / (heads / kvHeads);
    const int qDim = heads * headDim;
    const int kvDim = kvHeads * headDim;
    const int pos = positions[t];
    const int splits = pos / SPLIT + 1;
    const int lo = first_key(pos, window);                     // the first key seen
    const int s0 = lo / SPLIT;                                  // the first split seen
    const int warps = at.warps();
    const int warp = at.warp();
    const int lane = threadIdx.x & 31;
    const int first = s0 + at.group() * warps;
    if (first >= splits) return;  // the whole block: nothing to do at this position
    const int* table = tables + seqTableStart[tokSeq[t]];

    const int kst = key_stride(headDim);
    float* vrows = smem;                                 // warps * SPLIT * headDim (16-byte aligned first)
    float* krows = vrows + warps * SPLIT * headDim;      // warps * SPLIT * kst
    float* q = krows + warps * SPLIT * kst;              // headDim
    float* ew = q + headDim + warp * SPLIT;              // SPLIT
    int* offs = (int*)(q + headDim + warps * SPLIT) + warp * SPLIT;  // SPLIT
    float* vw = vrows + warp * SPLIT * headDim;
    float* kw = krows + warp * SPLIT * kst;

    const float* qsrc = qkv + (long long)t * (qDim + 2 * kvDim) + h * headDim;
    for (int i = threadIdx.x; i < headDim; i += blockDim.x) q[i] = qsrc[i];
    __syncthreads();

    const bool vec = KV::IS_F32 && (headDim & 3) == 0 && (kvDim & 3) == 0;
    for (int s = first + warp; s < splits; s += at.groups() * warps) {
        const int j0 = max(lo, s * SPLIT);
        const int j1 = min(pos, s * SPLIT + SPLIT - 1);
        const int len = j1 - j0 + 1;
#pragma unroll
        for (int r = 0; r < SPLIT / 32; r++) {
            const int j = j0 + r * 32 + lane;
            if (j <= j1) offs[j - j0] = (table[j / blockSize] * blockSize + j % blockSize) * kvDim + kvh * headDim;
        }
        __syncwarp();
        // The split's key rows, then its value rows, are copied by the whole warp (consecutive lanes, consecutive
        // bytes); the scores wait for the keys only.
        if (vec) {
            const int chunks = headDim >> 2;
            for (int c = lane; c < len * chunks; c += 32) {
                const int j = c / chunks, i = c - j * chunks;
                cp_async16(kw + j * kst + 4 * i, keyCache + offs[j] + 4 * i);  // fp32 rows only (vec)
            }
            asm volatile("cp.async.commit_group;" ::: "memory");
            for (int c = lane; c < len * chunks; c += 32) {
                const int j = c / chunks, i = c - j * chunks;
                cp_async16(vw + j * headDim + 4 * i, valueCache + offs[j] + 4 * i);
            }
            asm volatile("cp.async.commit_group;" ::: "memory");
            asm volatile("cp.async.wait_group 1;" ::: "memory");
        } else {
            for (int c = lane; c < len * headDim; c += 32) {
                const int j = c / headDim, i = c - j * headDim;
                kw[j * kst + i] = KV::load(keyCache[offs[j] + i]);
                vw[j * headDim + i] = KV::load(valueCache[offs[j] + i]);
            }
        }
        __syncwarp();
        float sc[SPLIT / 32];
        float m = __int_as_float(0xff800000);  // -inf
#pragma unroll
        for (int r = 0; r < SPLIT / 32; r++) {
            const int j = j0 + r * 32 + lane;
            sc[r] = __int_as_float(0xff800000);
            if (j <= j1) {
                sc[r] = inv::thread_dot(q, kw + (j - j0) * kst, headDim) * scale;
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
        if (vec) asm volatile("cp.async.wait_all;" ::: "memory");
        __syncwarp();
        float* rec = part + ((long long)at.unit() * maxSplits + s) * (headDim + 2);
        if (lane == 0) {
            float l = 0.0f;
            for (int j = 0; j < len; j++) l = l + ew[j];
            rec[0] = m;
            rec[1] = l;
        }
        for (int d = lane; d < headDim; d += 32) {
            float acc = 0.0f;
#pragma unroll 8
            for (int j = 0; j < len; j++) acc = fmaf(ew[j], vw[j * headDim + d], acc);
            rec[2 + d] = acc;
        }
        __syncwarp();  // ew, offs and the value rows are rewritten by this warp's next split
    }
    if (out == nullptr) return;  // records only (naive merges them its own way)
    // The blocks of this (token, head) that have splits; the last of them to finish merges.
    const int active = min((int)at.groups(), (splits - s0 + warps - 1) / warps);
    if (!last_to_finish(done, at.unit(), active)) return;
    merge_splits(part + ((long long)at.unit() * maxSplits + s0) * (headDim + 2),
                 out + (long long)t * heads * headDim + h * headDim, splits - s0, headDim);
}

#define INV_ATTENTION_SPLITS(NAME, KV)                                                                               \
    INV_EXTERN void NAME(const float* qkv, float* part, const int* positions, const int* tokSeq,                    \
                         const int* seqTableStart, const int* tables, const KV::T* keyCache,                        \
                         const KV::T* valueCache, int heads, int kvHeads, int headDim, int blockSize, float scale,  \
                         int window, float softcap, int maxSplits, float* out, int* done) {                         \
        inv::await_inputs();                                                                                        \
        inv::release_next();                                                                                        \
        attention_splits_body<KV>(qkv, part, positions, tokSeq, seqTableStart, tables, keyCache, valueCache, heads, \
                                  kvHeads, headDim, blockSize, scale, window, softcap, maxSplits, out, done);       \
    }

INV_ATTENTION_SPLITS(attention_splits, inv::KvF32)
INV_ATTENTION_SPLITS(attention_splits_bf16, inv::KvBf16)
INV_ATTENTION_SPLITS(attention_splits_fp8e4m3, inv::KvE4m3)
INV_ATTENTION_SPLITS(attention_splits_fp8e5m2, inv::KvE5m2)

// One block per (token, head), a thread per output value: the splits' records added in increasing s (what
// attention_splits does itself when given out; -Dinvariant.cuda.merge-in-splits=false launches this instead).
INV_EXTERN void attention_merge(const float* part, float* out, const int* positions, int heads, int headDim,
                                int maxSplits, int window) {
    inv::await_inputs();
    inv::release_next();
    const int t = blockIdx.x / heads;
    const int h = blockIdx.x - t * heads;
    const int s0 = first_key(positions[t], window) / SPLIT;
    merge_splits(part + ((long long)blockIdx.x * maxSplits + s0) * (headDim + 2),
                 out + (long long)t * heads * headDim + h * headDim, positions[t] / SPLIT + 1 - s0, headDim);
}
