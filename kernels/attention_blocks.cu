// Causal attention for steps of few tokens (decode), a whole block per split of 64 positions, grouped for latency:
// the same operations as attention.cu and attention_decode.cu (numerics.md §8).
// Canonical order: score_j = canonical dot(q, k_j) * scale, one thread per key, 32 register partials (thread_dot);
// keys reduced in fixed splits of S = 64 absolute positions; per split in increasing j: m_s = max score (exact in any
// order), e_j = exp(score_j - m_s), l_s = sequential sum of e_j from +0, o_s[d] = fmaf(e_j, v_j[d], o_s[d]) from +0;
// then in increasing s: M = max m_s, c_s = exp(m_s - M), L = L + l_s * c_s (product rounded), O[d] = fmaf(o_s[d], c_s,
// O[d]); out[d] = O[d] / L. Splits are fixed by position, never by length, batch or chunking.
// A sliding layer (Gemma; window > 0) sees keys max(0, pos - window + 1) .. pos: the same splits, the first cut there
// and those wholly before it left out (s0 = its first split's index); a score cap (Gemma 2; softcap > 0) makes each
// score tanh(score / softcap) * softcap after its scale.
// Mapping: block (token, head, g) takes splits s0 + g, s0 + g + gridDim.y, ... (s0 = 0 without a window); per split
// the block's threads stage the key and value rows in shared memory (a thread per 16 bytes), score a key each, and add
// a value column each (the host gives the block at least max(SPLIT, headDim) threads). The rows of positions before
// the sequence's first position in this step were written by earlier steps: they are requested before the kernel
// waits for the one before it (chain.cuh), so at one token per sequence only the token's own row and q are read after
// the wait. A (token, head) with one split is merged in registers; with more, the split records
// go to scratch and the last block to finish merges them (attention_split.cuh; an integer counter, no float atomics).
// Which block computes a split, or merges, never changes a value.
// _rope: the same, with rope_kv.cu's work for the head done here instead (models without a q/k norm): q and the
// step's k rows rotated from the unrotated q|k|v row (numerics.md §7: a*cos - b*sin, b*cos + a*sin, each product
// rounded, no fma, the host's table), each k and v row rounded to the cache's dtype as it is stored (kv.cuh), and the
// token's row written into the cache by one block per (token, KV head): the block of the head's first query head that
// takes the token's last split. The q|k|v row itself stays unrotated (nothing after attention reads it).
// attention_cluster[_rope]: the same in thread-block clusters of ATTENTION_CLUSTER blocks along y (fixed at compile
// time, the same for every length): a (token, head) of 2 .. ATTENTION_CLUSTER splits merges in its first block's
// shared memory, the other blocks' records sent there by st.async onto its mbarrier (distributed shared memory; no
// scratch, counter or fence); longer ones through scratch, the merging block found by one acquire-release atomic.
// Every value is attention_blocks[_rope]'s.
// Keys and values are read in the cache's stored dtype and widened exactly: one kernel per dtype and mode
// (attention_{blocks,cluster}[_rope][_bf16|_fp8e4m3|_fp8e5m2]).
// CPU twins: backend/cpu/PagedAttention.attend; with _rope also RopeTable.rotate and PagedKvCache.write.
#include "attention_split.cuh"
#include "chain.cuh"
#include "kv.cuh"
#include "window.cuh"

namespace {

// Shared memory (floats): SPLIT key rows of key_stride(headDim), SPLIT value rows of headDim, q (headDim), e_j (SPLIT),
// the warps' maxima (32), the rows' cache offsets (SPLIT ints); a cluster's first block: the cluster's split records
// (CLUSTER x (headDim + 2)). The host sizes it with the same rule.
struct BlockSmem {
    float* k;
    float* v;
    float* q;
    float* e;
    float* red;
    int* offs;
    float* rec;
};

__device__ __forceinline__ BlockSmem block_smem(float* smem, int headDim) {
    BlockSmem m;
    m.k = smem;
    m.v = m.k + SPLIT * key_stride(headDim);
    m.q = m.v + SPLIT * headDim;
    m.e = m.q + headDim;
    m.red = m.e + SPLIT;
    m.offs = reinterpret_cast<int*>(m.red + 32);
    m.rec = reinterpret_cast<float*>(m.offs + SPLIT);
    return m;
}

// Rows [from, to) of the split starting at position j0, as stored in the cache (offsets in m.offs), widened into
// shared memory: fp32 rows by cp.async (committed; the caller waits), narrow ones by plain loads.
template <class KV>
__device__ __forceinline__ void stage_cached(const BlockSmem& m, const typename KV::T* keyCache,
                                             const typename KV::T* valueCache, int from, int to, int headDim) {
    const int kst = key_stride(headDim);
    if ((headDim & 3) == 0) {
        const int chunks = headDim >> 2;
        for (int c = threadIdx.x + from * chunks; c < to * chunks; c += blockDim.x) {
            const int j = c / chunks, i = 4 * (c - j * chunks);
            if constexpr (KV::IS_F32) {
                cp_async16(m.k + j * kst + i, keyCache + m.offs[j] + i);
                cp_async16(m.v + j * headDim + i, valueCache + m.offs[j] + i);
            } else {
                *reinterpret_cast<float4*>(m.k + j * kst + i) = KV::load4(keyCache + m.offs[j] + i);
                *reinterpret_cast<float4*>(m.v + j * headDim + i) = KV::load4(valueCache + m.offs[j] + i);
            }
        }
        if constexpr (KV::IS_F32) asm volatile("cp.async.commit_group;" ::: "memory");
    } else {
        for (int c = threadIdx.x + from * headDim; c < to * headDim; c += blockDim.x) {
            const int j = c / headDim, i = c - j * headDim;
            m.k[j * kst + i] = KV::load(keyCache[m.offs[j] + i]);
            m.v[j * headDim + i] = KV::load(valueCache[m.offs[j] + i]);
        }
    }
}

// The cache offsets of the split's rows j0 .. j0 + len - 1 of KV head kvh.
__device__ __forceinline__ void row_offsets(int* offs, const int* table, int j0, int len, int blockSize, int kvDim,
                                            int kvh, int headDim) {
    for (int j = threadIdx.x; j < len; j += blockDim.x) {
        const int p = j0 + j;
        offs[j] = (table[p / blockSize] * blockSize + p % blockSize) * kvDim + kvh * headDim;
    }
}

// rope_kv.cu's rotation of a head's element pair (a, b) = (i, i + half) at table row `pos`: lo, hi.
__device__ __forceinline__ void rotate(float a, float b, const float* cosT, const float* sinT, int pos, int half, int i,
                                       float& lo, float& hi) {
    const float c = cosT[(long long)pos * half + i];
    const float s = sinT[(long long)pos * half + i];
    const float ac = a * c;
    const float bs = b * s;
    const float bc = b * c;
    const float as = a * s;
    lo = ac - bs;
    hi = bc + as;
}

// The step's own key row element pair / value element of row j: rotated (a, b) stored rounded to the cache's dtype
// into shared memory, and (writer) into the cache.
template <class KV>
__device__ __forceinline__ void keep_key(const BlockSmem& m, typename KV::T* keyCache, int j, int i, int half, int kst,
                                         float lo, float hi, bool writer) {
    const typename KV::T slo = KV::store(lo), shi = KV::store(hi);
    m.k[j * kst + i] = KV::load(slo);
    m.k[j * kst + i + half] = KV::load(shi);
    if (writer) {
        keyCache[m.offs[j] + i] = slo;
        keyCache[m.offs[j] + i + half] = shi;
    }
}
template <class KV>
__device__ __forceinline__ void keep_value(const BlockSmem& m, typename KV::T* valueCache, int j, int i, int headDim,
                                           float v, bool writer) {
    const typename KV::T sv = KV::store(v);
    m.v[j * headDim + i] = KV::load(sv);
    if (writer) valueCache[m.offs[j] + i] = sv;
}

}  // namespace

// Token t's query head h, splits s0 + g, s0 + g + G, ... by this block (s0: the window's first split, else 0); part,
// done, out: as attention_splits (attention_decode.cu); cosT, sinT: rope_kv.cu's tables (ROPE only). TAIL: called at the end of a kernel that wrote
// the q|k|v rows itself (other blocks' rows made visible by the caller): no wait, and those rows read through L2.
// CLUSTER > 1: launched in clusters of CLUSTER blocks along y (G a multiple of it); a (token, head) of 2 .. CLUSTER
// splits has them all in its first cluster, one per block, whose records are sent into the first block's shared
// memory by st.async onto its mbarrier, which it waits on (no fence); longer ones merge as without.
// ACQ_REL: the merge through scratch found by last_to_finish_acq_rel.
// PROBE::mark(i): where a benchmark may timestamp the block's progress (0 start, 1 past the wait, 2 own rows and q
// stored, 3 every row staged, 4 the last split reduced, 5 the merge's records readable, 6 output written).
struct NoProbe {
    static __device__ __forceinline__ void mark(int) {}
};
template <class KV, bool ROPE, bool TAIL, int CLUSTER = 0, bool ACQ_REL = false, class PROBE = NoProbe>
__device__ __forceinline__ void attend_head(const float* qkv, float* part, const int* positions, const int* tokSeq,
                                            const int* seqTableStart, const int* tables, const float* cosT,
                                            const float* sinT, typename KV::T* keyCache, typename KV::T* valueCache,
                                            int n, int heads, int kvHeads, int headDim, int blockSize, float scale,
                                            int window, float softcap, int maxSplits, float* out, int* done, int t,
                                            int h, int g, int G) {
    extern __shared__ float4 smem4[];
    auto ldq = [](const float* p) { return TAIL ? __ldcg(p) : *p; };
    PROBE::mark(0);
    const int kvh = h / (heads / kvHeads);
    const int qDim = heads * headDim;
    const int kvDim = kvHeads * headDim;
    const int ld = qDim + 2 * kvDim;
    const int half = headDim >> 1;
    const int pos = positions[t];
    const int seq = tokSeq[t];
    const int splits = pos / SPLIT + 1;
    const int lo = first_key(pos, window);                     // the first key seen
    const int s0 = lo / SPLIT;                                  // its split
    const int seen = splits - s0;                               // the splits seen
    // the records in the first block's shared memory: every split on a block of the first cluster
    const bool inCluster = CLUSTER > 1 && seen > 1 && seen <= CLUSTER;
    __shared__ unsigned long long recvBar;  // the first block's mbarrier for the others' records
    if (inCluster && g < CLUSTER) {  // this block has started, and the first block's mbarrier is set
        if (g == 0 && threadIdx.x == 0) receive_init(&recvBar, (unsigned)((seen - 1) * (headDim + 2) * 4));
        cluster_arrive_release();
    }
    if (g >= seen) {  // nothing at this position; writes nothing
        if (inCluster && g < CLUSTER) {  // the cluster's barrier phase, no record
            inv::release_next();  // as if exited: the next kernel's launch need not wait for the phase
            cluster_wait();
        }
        return;
    }
    const int* table = tables + seqTableStart[seq];
    // The sequence's first position in this step: rows before it are in the cache already (step inputs: readable now).
    int fresh = pos;
    for (int u = 0; u < n; u++) {
        if (tokSeq[u] == seq) fresh = min(fresh, positions[u]);
    }
    const BlockSmem m = block_smem(reinterpret_cast<float*>(smem4), headDim);
    const int kst = key_stride(headDim);

    // the first split's cached rows, requested before the wait
    const int first = max(lo, (s0 + g) * SPLIT);
    int len = min(pos, (s0 + g) * SPLIT + SPLIT - 1) - first + 1;
    row_offsets(m.offs, table, first, len, blockSize, kvDim, kvh, headDim);
    __syncthreads();
    stage_cached<KV>(m, keyCache, valueCache, 0, max(0, min(len, fresh - first)), headDim);
    if (!TAIL) {
        inv::await_inputs();
        inv::release_next();
    }
    PROBE::mark(1);

    const float* qsrc = qkv + (long long)t * ld + h * headDim;
    if (ROPE) {
        for (int i = threadIdx.x; i < half; i += blockDim.x) {
            rotate(ldq(qsrc + i), ldq(qsrc + i + half), cosT, sinT, pos, half, i, m.q[i], m.q[i + half]);
        }
    } else {
        for (int i = threadIdx.x; i < headDim; i += blockDim.x) m.q[i] = ldq(qsrc + i);
    }
    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warps = blockDim.x >> 5;
    float acc = 0.0f, l = 0.0f, mx = 0.0f;  // the last split's o_s[tid] (tid < headDim), l_s, m_s
    for (int s = s0 + g; s < splits; s += G) {
        const int j0 = max(lo, s * SPLIT);
        if (s != s0 + g) {  // a later split: its offsets and cached rows now
            __syncthreads();  // every thread is done with the previous split's rows
            len = min(pos, s * SPLIT + SPLIT - 1) - j0 + 1;
            row_offsets(m.offs, table, j0, len, blockSize, kvDim, kvh, headDim);
            __syncthreads();
            stage_cached<KV>(m, keyCache, valueCache, 0, max(0, min(len, fresh - j0)), headDim);
        }
        // the step's own rows: from the cache (rope_kv wrote them), or (ROPE) made here from the q|k|v rows
        const int from = max(0, min(len, fresh - j0));
        // the step's token at position j0 + j of this sequence, and whether this block writes its row (the block of
        // the KV head's first query head that takes the token's split)
        auto token_at = [&](int j) {
            int u = t;
            for (int w = 0; w < n; w++) {
                if (tokSeq[w] == seq && positions[w] == j0 + j) u = w;
            }
            return u;
        };
        if (!ROPE) {
            stage_cached<KV>(m, keyCache, valueCache, from, len, headDim);
        } else {
            for (int c = tid + from * headDim; c < len * headDim; c += blockDim.x) {
                const int j = c / headDim, i = c - j * headDim;
                const int u = token_at(j);
                const float* row = qkv + (long long)u * ld + qDim + kvh * headDim;
                const bool writer = u == t && h % (heads / kvHeads) == 0;
                if (i < half) {
                    float lo, hi;
                    rotate(ldq(row + i), ldq(row + i + half), cosT, sinT, j0 + j, half, i, lo, hi);
                    keep_key<KV>(m, keyCache, j, i, half, kst, lo, hi, writer);
                }
                keep_value<KV>(m, valueCache, j, i, headDim, ldq(row + kvDim + i), writer);
            }
        }
        PROBE::mark(2);
        if (KV::IS_F32 && (headDim & 3) == 0) asm volatile("cp.async.wait_all;" ::: "memory");
        __syncthreads();
        PROBE::mark(3);
        // a thread per key: score, the split's maximum over the block (exact in any order), e_j
        float sc = __int_as_float(0xff800000);
        if (tid < len) sc = inv::thread_dot(m.q, m.k + tid * kst, headDim) * scale;
        if (tid < len && softcap > 0.0f) sc = inv::tanh_canon(sc / softcap) * softcap;
        mx = sc;
#pragma unroll
        for (int o = 16; o >= 1; o >>= 1) mx = inv::jmax(mx, __shfl_xor_sync(0xffffffffu, mx, o));
        if (lane == 0) m.red[tid >> 5] = mx;
        __syncthreads();
        mx = m.red[0];
        for (int w = 1; w < warps; w++) mx = inv::jmax(mx, m.red[w]);
        if (tid < len) m.e[tid] = inv::exp_canon(sc - mx);
        __syncthreads();
        // a thread per value column (the host gives a thread to each): l_s and o_s[d], both in increasing j
        acc = 0.0f;
        l = 0.0f;
        if (tid < headDim) {
#pragma unroll 8
            for (int j = 0; j < len; j++) {
                l = l + m.e[j];
                acc = fmaf(m.e[j], m.v[j * headDim + tid], acc);
            }
        }
        PROBE::mark(4);
        if (seen > 1 && !inCluster) {
            float* r = part + ((long long)(t * heads + h) * maxSplits + s) * (headDim + 2);
            if (tid < headDim) r[2 + tid] = acc;
            if (tid == 0) {
                r[0] = mx;
                r[1] = l;
            }
        }
    }
    float* dst = out + (long long)t * qDim + h * headDim;
    if (seen == 1) {  // merge_splits' operations on the one record, from registers
        if (tid < headDim) {
            const float c = inv::exp_canon(mx - inv::jmax(__int_as_float(0xff800000), mx));
            dst[tid] = fmaf(acc, c, 0.0f) / (0.0f + l * c);
        }
        PROBE::mark(6);
        return;
    }
    if (inCluster) {  // this split's record (s = g) into the first block's shared memory, merged there
        cluster_wait();  // every block of the cluster has started, the first block's mbarrier is set
        float* r = m.rec + g * (headDim + 2);
        if (g != 0) {
            if (tid < headDim) send_cluster(r + 2 + tid, 0, acc, &recvBar);
            if (tid == 0) {
                send_cluster(r, 0, mx, &recvBar);
                send_cluster(r + 1, 0, l, &recvBar);
            }
            return;
        }
        if (tid < headDim) r[2 + tid] = acc;  // its own record here, the others' awaited on the mbarrier
        if (tid == 0) {
            r[0] = mx;
            r[1] = l;
        }
        receive_wait(&recvBar);
        __syncthreads();
        PROBE::mark(5);
        merge_splits<true>(m.rec, dst, seen, headDim);
        PROBE::mark(6);
        return;
    }
    const int active = min(G, seen);
    if (ACQ_REL) {
        if (!last_to_finish_acq_rel(done, (unsigned)(t * heads + h), active)) return;
    } else {
        if (!last_to_finish(done, (unsigned)(t * heads + h), active)) return;
    }
    PROBE::mark(5);
    merge_splits(part + ((long long)(t * heads + h) * maxSplits + s0) * (headDim + 2), dst, seen, headDim);
    PROBE::mark(6);
}

#define INV_ATTENTION_BLOCKS(NAME, KV, ROPE)                                                                          \
    INV_EXTERN void NAME(const float* qkv, float* part, const int* positions, const int* tokSeq,                    \
                         const int* seqTableStart, const int* tables, const float* cosT, const float* sinT,         \
                         KV::T* keyCache, KV::T* valueCache, int n, int heads, int kvHeads, int headDim,            \
                         int blockSize, float scale, int window, float softcap, int maxSplits, float* out,          \
                         int* done) {                                                                               \
        const int t = blockIdx.x / heads;                                                                           \
        attend_head<KV, ROPE, false>(qkv, part, positions, tokSeq, seqTableStart, tables, cosT, sinT, keyCache,     \
                                     valueCache, n, heads, kvHeads, headDim, blockSize, scale, window, softcap,     \
                                     maxSplits, out, done, t, blockIdx.x - t * heads, blockIdx.y, gridDim.y);       \
    }

INV_ATTENTION_BLOCKS(attention_blocks, inv::KvF32, false)
INV_ATTENTION_BLOCKS(attention_blocks_bf16, inv::KvBf16, false)
INV_ATTENTION_BLOCKS(attention_blocks_fp8e4m3, inv::KvE4m3, false)
INV_ATTENTION_BLOCKS(attention_blocks_fp8e5m2, inv::KvE5m2, false)
INV_ATTENTION_BLOCKS(attention_blocks_rope, inv::KvF32, true)
INV_ATTENTION_BLOCKS(attention_blocks_rope_bf16, inv::KvBf16, true)
INV_ATTENTION_BLOCKS(attention_blocks_rope_fp8e4m3, inv::KvE4m3, true)
INV_ATTENTION_BLOCKS(attention_blocks_rope_fp8e5m2, inv::KvE5m2, true)

// Blocks per cluster of attention_cluster*: engine-cuda AttentionBlocks.CLUSTER (grids of a multiple of it along y).
#define ATTENTION_CLUSTER 8
#define INV_ATTENTION_CLUSTER(NAME, KV, ROPE)                                                                         \
    extern "C" __global__ void __cluster_dims__(1, ATTENTION_CLUSTER, 1)                                          \
        NAME(const float* qkv, float* part, const int* positions, const int* tokSeq, const int* seqTableStart,      \
             const int* tables, const float* cosT, const float* sinT, KV::T* keyCache, KV::T* valueCache, int n,    \
             int heads, int kvHeads, int headDim, int blockSize, float scale, int window, float softcap,            \
             int maxSplits, float* out, int* done) {                                                                \
        const int t = blockIdx.x / heads;                                                                           \
        attend_head<KV, ROPE, false, ATTENTION_CLUSTER, true>(                                                      \
            qkv, part, positions, tokSeq, seqTableStart, tables, cosT, sinT, keyCache, valueCache, n, heads,        \
            kvHeads, headDim, blockSize, scale, window, softcap, maxSplits, out, done, t, blockIdx.x - t * heads,   \
            blockIdx.y, gridDim.y);                                                                                 \
    }

INV_ATTENTION_CLUSTER(attention_cluster, inv::KvF32, false)
INV_ATTENTION_CLUSTER(attention_cluster_bf16, inv::KvBf16, false)
INV_ATTENTION_CLUSTER(attention_cluster_fp8e4m3, inv::KvE4m3, false)
INV_ATTENTION_CLUSTER(attention_cluster_fp8e5m2, inv::KvE5m2, false)
INV_ATTENTION_CLUSTER(attention_cluster_rope, inv::KvF32, true)
INV_ATTENTION_CLUSTER(attention_cluster_rope_bf16, inv::KvBf16, true)
INV_ATTENTION_CLUSTER(attention_cluster_rope_fp8e4m3, inv::KvE4m3, true)
INV_ATTENTION_CLUSTER(attention_cluster_rope_fp8e5m2, inv::KvE5m2, true)
