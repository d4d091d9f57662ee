// The whole decode step of one token (batch 1) in ONE persistent kernel: embed, every layer's q|k|v projection with
// RMSNorm, bias, RoPE and the KV write (matvec_stream.cu's stream_impl with rope_epi.cuh's RopeEpi), attention
// (attention_decode.cu's attention_splits_body), o + residual, gate/up + RMSNorm + SiLU, down + residual, then the
// final RMSNorm fused into the lm_head. Phases are separated by a grid barrier (grid_bar.cuh: integer counters).
// Canonical order: that of the functions called, unchanged (numerics.md §2 dot, §4 RMSNorm, §5 SiLU, §7 RoPE, §8
// attention in fixed splits of 64 positions, §9 the step); this file computes nothing itself, it only decides which
// block runs which rows and when. CPU twin: engine backend/cpu/DecoderForward (MatMul.rows, RmsNorm.apply,
// RopeTable.rotate, PagedKvCache.write, PagedAttention.attend).
// Why it is batch-invariant by construction: every row is one warp's whole canonical dot (stream_impl), the rows of a
// phase fall on warps by a rule of the row count and the grid alone, attention splits are fixed by position and
// merged in increasing split order, and the grid is a property of the GPU, not of the batch or the step: which block
// computes a value never changes it. The barriers order the phases; they add no arithmetic.
// The idea it tests: a decode step at batch 1 is ~150 small kernels whose boundaries (ramp-up, drain) cost more than
// the weights take to stream. Here there is one launch, and no weight depends on an activation, so each block requests
// the next phase's weights before it waits at the barrier that ends the current one: its ring of shared-memory slots
// (stream_impl issues its first copies, then waits in Gate::prepare) and, optionally, a window of the following
// weights into L2 (cp.async.bulk.prefetch.L2). Measured (H200, docs/benchmarks.md 2026-12-02 13:48): 1.5x slower
// than the chain; a grid barrier costs what a dependent-launch boundary does, every phase is bound by its chain of
// dependent loads, not by bytes, and the L2 windows slow every phase down.
// Step::flags: attention waits only for its head's q, k and v pairs (counted by the RoPE epilogue), the o projection
// only for the attention blocks (counted as they finish): 3 grid barriers per layer instead of 5.
// Activations are written once per step (a buffer per layer and phase): stream_impl stages its input with
// non-coherent loads (__ldg), which must never meet a line this launch rewrote.
#pragma once
#include "../../../kernels/attention_decode.cu"
#include "../../../kernels/embed.cu"
#include "../../../kernels/matvec_stream.cu"
#include "grid_bar.cuh"

#include <algorithm>
#include <type_traits>

// The block's share of bytes [lo, hi) of the weight arena requested into L2, in pieces of at most 32 KB.
__device__ __forceinline__ void l2_window(const unsigned char* arena, long long lo, long long hi) {
    const long long n = hi - lo;
    if (n <= 0) return;
    const long long a = lo + ((n * blockIdx.x / gridDim.x) & ~15LL);
    const long long e = blockIdx.x + 1 == gridDim.x ? hi : lo + ((n * (blockIdx.x + 1) / gridDim.x) & ~15LL);
    constexpr long long PIECE = 32768;
    for (long long c = a + threadIdx.x * PIECE; c < e; c += blockDim.x * PIECE) {
        const unsigned bytes = (unsigned)min(PIECE, e - c);
        asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(arena + c), "r"(bytes) : "memory");
    }
}

// An epilogue (rope_epi.cuh's NoEpi or RopeEpi) whose prepare() first waits at the barrier: stream_impl calls it
// after its first weight copies are issued and before it reads any activation.
// With `done` (RopeEpi, Step::flags), lane 0 counts each RoPE pair it has written into done[stacked head].
template <class Base> struct Gate : Base {
    GridBar bar;
    bool early;  // false: the kernel waited already, before stream_impl issued anything
    unsigned* done;
    int half;
    const unsigned char* arena;  // Step::l2late: the phase's L2 window, requested after the ring's first copies
    long long lo, hi;
    __device__ __forceinline__ void prepare() {
        if (arena) l2_window(arena, lo, hi);
        if (early) bar.wait();
        Base::prepare();
    }
    __device__ __forceinline__ void pair(int u, float a, float b) {
        Base::pair(u, a, b);
        if (done) {
            __threadfence();
            atomicAdd(done + u / half, 1u);
        }
    }
};

// attention_splits_body's work in the persistent grid: block b takes (head b / groups, group b % groups).
struct AttnAt {
    unsigned u, g, gs, ws, w;
    __device__ __forceinline__ unsigned unit() const { return u; }
    __device__ __forceinline__ unsigned group() const { return g; }
    __device__ __forceinline__ unsigned groups() const { return gs; }
    __device__ __forceinline__ unsigned warps() const { return ws; }
    __device__ __forceinline__ unsigned warp() const { return w; }
};

// The step's shapes, weights (one arena in the order they are read), activations and inputs.
struct Step {
    const unsigned short* w;  // per layer q|k|v [Q][H], o [H][H], gate/up [2I][H], down [H][I] (projection layout),
                              // then lm_head [V][H]
    const float* f;           // per layer nIn [H], nPost [H], bias [Q]; then the final norm [H]
    const int* tokens;
    float* act;               // per layer xin [H], qkv [Q], attn [H], xmid [H], h [I]; then x after the last layer
                              // [H] and the logits [V]
    float* keys;              // per layer kvFloats floats (paged fp32 cache), and values alike
    float* values;
    long long kvFloats;
    const int *positions, *tokSeq, *seqTableStart, *tables;
    const float *cosT, *sinT;
    float* part;              // attention records: heads x maxSplits x (headDim + 2)
    int* done;                // attention merge counters: heads (zero; the merging block resets its own)
    unsigned* bar;            // GridBar words (zero)
    unsigned long long* stamps;  // when block 0 passed the wait that starts each phase, and when it ended, or null
    const long long* l2;      // per phase [lo, hi) of the arena for l2_window, or null
    int layers, H, Q, I, V, heads, kvHeads, headDim, blockSize, maxSplits, attnWarps;
    float eps, scale;
    int style;                // BAR_GEN or BAR_COUNT
    bool early;               // ring copies issued before the barrier wait
    bool flags;               // attention waits for its head's RoPE pairs, o for the attention blocks (no barrier)
    bool l2late;              // a projection's L2 window requested after its ring's first copies (else before them)
    unsigned long long* ends; // per phase and block, when the block's part was done, or null
};

__host__ __device__ __forceinline__ long long layer_weights(const Step& s) {
    return (long long)s.Q * s.H + (long long)s.H * s.H + 2LL * s.I * s.H + (long long)s.H * s.I;
}
__host__ __device__ __forceinline__ long long layer_floats(const Step& s) { return 2LL * s.H + s.Q; }
__host__ __device__ __forceinline__ long long layer_acts(const Step& s) { return 3LL * s.H + s.Q + s.I; }

// The kernel: NW warps per block, each with NSLOT ring slots of SEGG groups; OPTS as matvec_stream.cu's.
template <int NW, int NSLOT, int SEGG, int OPTS, int MINB>
__global__ void __launch_bounds__(32 * NW, MINB) step_persistent(Step s) {
    const bool note = s.stamps && blockIdx.x == 0 && threadIdx.x == 0;
    if (note) s.stamps[0] = now_ns();
    GridBar bar{s.bar, s.style, 0, nullptr, nullptr, nullptr, 0};
    unsigned* attnDone = s.bar + 3;  // Step::flags: attention blocks finished, then per stacked head its RoPE pairs
    unsigned* ready = s.bar + 4;
    int phase = 0;
    auto settle = [&]() {  // the phase done without the barrier's arrive: what the next phase's copies need
        __syncthreads();
        inv::slot_release();
        if (threadIdx.x == 0 && bar.ends) *bar.ends = now_ns();
    };
    // a phase's L2 window (a projection's after its first ring copies with l2late); its wait (barrier or flag) follows
    auto begin = [&](const unsigned* flag, unsigned until, bool late) {
        if (s.l2 && !(s.l2late && late))
            l2_window(reinterpret_cast<const unsigned char*>(s.w), s.l2[2 * phase], s.l2[2 * phase + 1]);
        bar.stamp = note ? s.stamps + phase : nullptr;
        bar.ends = s.ends ? s.ends + (long long)phase * gridDim.x + blockIdx.x : nullptr;
        bar.flag = flag;
        bar.until = until;
        phase++;
    };
    // one projection phase: stream_impl's values, its first copies issued before the wait (unless !early); then the
    // barrier's arrive, or (arrive false) only what the next phase's smem use needs
    auto proj = [&](auto flags, auto base, const unsigned short* W, const float* x, const float* nw, float* y,
                    const float* bias, const float* resid, int rows, int k, const unsigned* flag, unsigned until,
                    unsigned* done, bool arrive) {
        const int ph = phase;
        begin(flag, until, true);
        if (!s.early) bar.wait();
        Gate<decltype(base)> epi{base, bar, s.early, done, s.headDim / 2, nullptr, 0, 0};
        if (s.l2 && s.l2late) {
            epi.arena = reinterpret_cast<const unsigned char*>(s.w);
            epi.lo = s.l2[2 * ph];
            epi.hi = s.l2[2 * ph + 1];
        }
        stream_impl<unsigned short, decltype(flags)::value, NSLOT, SEGG, NW, OPTS, Gate<decltype(base)>>(
            W, x, nullptr, nw, s.eps, y, bias, resid, rows, k, k, k, epi);
        if (arrive) {
            bar.arrive();
        } else {
            settle();
        }
    };
    using Plain = std::integral_constant<int, 0>;
    using Norm = std::integral_constant<int, STREAM_NORM>;
    using NormSilu = std::integral_constant<int, STREAM_NORM | STREAM_SILU>;
    using NormRope = std::integral_constant<int, STREAM_NORM | STREAM_ROPE>;

    begin(nullptr, 0, false);
    if (blockIdx.x == 0) embed<unsigned short>(s.w + (long long)s.layers * layer_weights(s), s.tokens, s.act, s.H);
    bar.arrive();
    const long long lw = layer_weights(s);
    const int splits = s.positions[0] / SPLIT + 1;
    const int groups = max(1, min(splits, (int)gridDim.x / s.heads));
    const int attnBlocks = s.heads * groups;
    const unsigned pairs = s.headDim / 2;  // RoPE pairs per stacked head
    for (int l = 0; l < s.layers; l++) {
        const unsigned short* w = s.w + l * lw;
        const float* f = s.f + l * layer_floats(s);
        float* a = s.act + l * layer_acts(s);
        float *xin = a, *qkv = a + s.H, *attn = qkv + s.Q, *xmid = attn + s.H, *h = xmid + s.H;
        float* keys = s.keys + l * s.kvFloats;
        float* values = s.values + l * s.kvFloats;
        inv::RopeEpi<inv::KvF32> rope{qkv, s.positions, s.tokSeq, s.seqTableStart, s.tables, s.cosT, s.sinT,
                                      keys, values, s.heads, s.kvHeads, s.headDim, s.blockSize, 0, 0, 0.0f, 0.0f};
        proj(NormRope(), rope, w, xin, f, qkv, f + 2 * s.H, nullptr, s.Q, s.H, nullptr, 0, s.flags ? ready : nullptr,
             !s.flags);

        // attention: a (head, group) per block, as many warps per block as the splits need (and shared memory holds);
        // with flags, a block waits only for its head's q, k and v pairs
        const bool mine = (int)blockIdx.x < attnBlocks;
        const int head = blockIdx.x / groups, kvh = head / (s.heads / s.kvHeads);
        begin(s.flags ? ready + head : nullptr, pairs * (l + 1), false);
        if (!s.flags) {
            bar.wait();
        } else if (mine) {
            if (threadIdx.x == 0) {
                spin_until(ready + s.heads + kvh, pairs * (l + 1));
                spin_until(ready + s.heads + s.kvHeads + kvh, pairs * (l + 1));
            }
            bar.wait();
        }
        if (mine) {
            const int warps = min(s.attnWarps, (splits + groups - 1) / groups);
            const unsigned warp = threadIdx.x >> 5;
            const AttnAt at{blockIdx.x / groups, blockIdx.x % groups, (unsigned)groups, (unsigned)warps,
                            warp < (unsigned)warps ? warp : (unsigned)splits};
            attention_splits_body<inv::KvF32, AttnAt>(qkv, s.part, s.positions, s.tokSeq, s.seqTableStart, s.tables,
                                                      keys, values, s.heads, s.kvHeads, s.headDim, s.blockSize,
                                                      s.scale, 0, 0.0f, s.maxSplits, attn, s.done, at);
        }
        if (!s.flags) {
            bar.arrive();
        } else {
            settle();
            if (mine && threadIdx.x == 0) {
                __threadfence();
                atomicAdd(attnDone, 1u);
            }
        }

        proj(Plain(), inv::NoEpi(), w + (long long)s.Q * s.H, attn, nullptr, xmid, nullptr, xin, s.H, s.H,
             s.flags ? attnDone : nullptr, attnBlocks * (l + 1), nullptr, true);
        proj(NormSilu(), inv::NoEpi(), w + (long long)(s.Q + s.H) * s.H, xmid, f + s.H, h, nullptr, nullptr,
             2 * s.I, s.H, nullptr, 0, nullptr, true);
        proj(Plain(), inv::NoEpi(), w + (long long)(s.Q + s.H + 2 * s.I) * s.H, h, nullptr, a + layer_acts(s),
             nullptr, xmid, s.H, s.I, nullptr, 0, nullptr, true);
    }
    float* xout = s.act + s.layers * layer_acts(s);
    proj(Norm(), inv::NoEpi(), s.w + s.layers * lw, xout, s.f + s.layers * layer_floats(s), xout + s.H, nullptr,
         nullptr, s.V, s.H, nullptr, 0, nullptr, true);
    if (note) s.stamps[phase] = now_ns();
    bar.exit();
}

// Phases of one step, in order: embed, per layer (q|k|v, attention, o, gate/up, down), lm_head.
__host__ __forceinline__ int step_phases(const Step& s) { return 2 + 5 * s.layers; }

// Dynamic shared memory of a kernel shape: the ring, then the input row (and NORM's weights unless NW_GLOBAL).
__host__ __forceinline__ int step_smem(int nw, int nslot, int segg, int opts, const Step& s) {
    const int xs = std::max(4 * ((s.I + 3) & ~3), 4 * ((s.H + 3) & ~3) * (STREAM_NW(opts) == NW_GLOBAL ? 1 : 2));
    return nw * nslot * STREAM_SLOT_BYTES(segg) + xs;
}
