// One token's projections with the weights streamed through shared memory by the bulk copy engine: the decode step at
// batch 1, where every weight byte is read once and the kernel is bound by memory bandwidth and latency.
// Canonical order: the same as matvec.cu (numerics.md §2): W = 32 partials (fewer for k < 32), P[i mod W] =
// fmaf(x[i], w[i], P[i mod W]) in increasing i, then the halving tree s = W/2, ..., 1, lane q adding lane q + s.
// Mapping: a persistent grid (one block per multiprocessor); each warp owns a contiguous run of rows (for SILU, of
// (gate, up) row pairs) fixed by the row count and the grid alone, and computes each of its rows whole: lane p holds
// P[p], reading its next GS weights as one 16-byte word of the projection layout (layout.cuh) from shared memory.
// A warp's rows arrive as a stream of segments (SEG_GROUPS layout groups each, the row's rest and tail in its last
// one), copied by cp.async.bulk into the warp's own ring of SLOTS buffers, each completing on its own mbarrier, so a
// warp keeps several kilobytes in flight and never waits on a single load. Where a row is copied, and who computes
// it, never changes a value; no split depends on the batch.
// Fused steps, each the same operations as its CPU step (and as matvec.cu):
//   NORM:  inv = 1 / sqrt(canonical dot(x, x) / k + eps) (one warp, inv::warp_dot), xn[i] = nw[i] * (x[i] * inv).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1, computed one after the other by one warp; h[i] = silu(gate) * up.
//   bias:  one rounded add after the dot; resid: the residual add, last.
//   ROPE:  rows come in RoPE pairs of a head, computed one after the other by one warp, then RoPE and the KV cache
//          write on them (rope_epi.cuh states the order; its kernels are the block at the end of this file).
// CPU twins: backend/cpu/MatMul.rows (numerics/Dot, PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
// Rings that ship (engine-cuda StreamRing picks by the model's shape alone, never by batch or length; every ring gives
// the same bits): bf16 models of hidden size <= 2048 take _w16 (16 warps x 2 slots x 8 groups), larger bf16 models
// _wide (8 warps x 3 slots x 12 groups, the input row and the norm's weights staged by one bulk copy each), f32 models
// the base ring (8 warps x 3 slots x 8 groups). Measured on an H200 (bench/device/kernels/stream_chain.cu, the
// batch-1 step in one graph with dependent launches, copy 3,980 GB/s, 2026-12-02 16:46): Qwen2.5-0.5B 22.98 us per
// layer and 87.04 us of lm_head with _w16 against 26.23 / 142.27 with base and 29.36 / 162.30 with _wide (twice the
// warps split a small model's short rows over more streams); Qwen1.5-14B 180.12 / 371.46 with _wide against
// 186.31 / 411.90 with base and 191.97 / 417.31 with _w16 (with larger slots the bulk-copied input row pays: 8 x 2 x 16
// 186.68 with loads, 180.64 with the bulk copy; with base's slots it does not: 189.37).
#include "chain.cuh"
#include "layout.cuh"
#include "rope_epi.cuh"
#include "stream.cuh"

#define STREAM_NORM 1
#define STREAM_SILU 2
#define STREAM_ROPE 4
#define STREAM_WARPS 8
#define SLOTS 3
#define SEG_GROUPS 8
// A slot holds SEG_GROUPS groups of 32 lanes x 16 bytes, plus a row's rest and tail (< 576 bytes, layout.cuh).
#define STREAM_SLOT_BYTES(segGroups) ((segGroups) * 512 + 576)
#define SLOT_BYTES STREAM_SLOT_BYTES(SEG_GROUPS)

namespace {

// Options of a variant (the same values; other timings): where NORM's weights wait (NW_STAGE, NW_EARLY, NW_GLOBAL, NW_BULK
// of stream.cuh), and STREAM_EARLY_RELEASE: the next kernel may start before this one waits for its inputs (it then
// waits for this one to finish, which finishes only after the one before it: the order of writes is kept).
#define STREAM_NW(opts) ((opts) & 3)
#define STREAM_EARLY_RELEASE 4
// NW_BULK with a proxy fence before the input row's copy (the kernel boundary already makes the previous kernels'
// writes visible to the copy engine; measured the same with and without it, stream_chain.cu 2026-12-02 16:46).
#define STREAM_BULK_FENCE 8

// Epi (rope_epi.cuh, ROPE only): which stored row the warp's r-th row is, what a pair of rows requests when it starts,
// and what follows it.
template <typename T, int FLAGS, int NSLOT = SLOTS, int SEGG = SEG_GROUPS, int NW = STREAM_WARPS, int OPTS = 0,
          class Epi = inv::NoEpi>
__device__ __forceinline__ void stream_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                            float* y, const float* bias, const float* resid, int rows, int k,
                                            int stride, int ldx, Epi epi = Epi(), inv::Ahead ahead = inv::Ahead{}) {
    constexpr bool ROPE = (FLAGS & STREAM_ROPE) != 0;
    constexpr int SLOTB = STREAM_SLOT_BYTES(SEGG);
    constexpr int U = (FLAGS & (STREAM_SILU | STREAM_ROPE)) ? 2 : 1;  // rows per unit of work
    extern __shared__ float4 sm4[];
    unsigned char* ring = reinterpret_cast<unsigned char*>(sm4);  // [warp][slot][SLOTB]
    float* xs = reinterpret_cast<float*>(ring + NW * NSLOT * SLOTB);
    __shared__ unsigned long long full[NW][NSLOT];
    __shared__ unsigned long long xbar[2];  // NW_BULK: the input row, the norm's weights
    __shared__ float invs;
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int gbytes = l.w * 16;  // one group: lanes x 16 bytes
    const int rowBytes = stride * (int)sizeof(T);
    const int nseg = l.groups == 0 ? 1 : (l.groups + SEGG - 1) / SEGG;

    // This warp's rows: a contiguous run of units, fixed by the row count and the grid.
    const long long units = rows / U;
    const long long gw = (long long)blockIdx.x * NW + warp, tw = (long long)gridDim.x * NW;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int items = (u1 - u0) * U * nseg;
    const unsigned char* base = reinterpret_cast<const unsigned char*>(W) + (long long)u0 * U * rowBytes;
    unsigned char* myRing = ring + warp * NSLOT * SLOTB;
    auto issue = [&](int it) {
        const int r = it / nseg, s = it - r * nseg;
        const int lo = s * SEGG * gbytes, hi = s == nseg - 1 ? rowBytes : lo + SEGG * gbytes;
        const int slot = it % NSLOT;
        const unsigned char* src = ROPE ? reinterpret_cast<const unsigned char*>(W) +
                                              (long long)epi.row(u0 * U + r) * rowBytes
                                        : base + (long long)r * rowBytes;
        inv::bulk_load(myRing + slot * SLOTB, src + lo, (unsigned)(hi - lo), &full[warp][slot]);
        if (it == items - 1) inv::prefetch_ahead(ahead, gw, tw);  // this warp's last bytes are on their way
    };
    if (lane == 0) {
        inv::ring_init(full[warp], NSLOT);
        for (int it = 0; it < NSLOT && it < items; it++) issue(it);
        if (items == 0) inv::prefetch_ahead(ahead, gw, tw);
    }
    epi.prepare();
    constexpr bool NORMED = (FLAGS & STREAM_NORM) != 0;
    constexpr bool BULK = STREAM_NW(OPTS) == NW_BULK;
    const bool bulk = BULK && inv::bulk_input_ok(x, ldx, k, nw, NORMED);
    if (bulk && threadIdx.x == 0) inv::bulk_input_begin<NORMED>(xbar, xs, k, nw);
    if (NORMED && STREAM_NW(OPTS) == NW_EARLY) inv::stage_norm_weights(xs, k, nw);  // no kernel writes them
    if (OPTS & STREAM_EARLY_RELEASE) inv::release_next();
    // the weights are on their way; what the kernels before this one write is read only from here on
    inv::await_inputs();
    if (!(OPTS & STREAM_EARLY_RELEASE)) inv::release_next();

    // the input row (and NORM's weights) staged while the weights are on their way
    if (bulk) {
        inv::stage_bulk<NORMED, (OPTS & STREAM_BULK_FENCE) != 0>(xbar, xs, invs, x, xrows, ldx, k, eps, warp, lane);
    } else {
        inv::stage_input<NORMED, BULK ? NW_STAGE : STREAM_NW(OPTS)>(xs, invs, x, xrows, ldx, k, nw, eps, warp, lane);
    }

    const float* xl = xs + lane;
    const bool on = lane < l.w;
    float acc = 0.0f, gate = 0.0f, rowBias = 0.0f, rowResid = 0.0f;
    for (int it = 0; it < items; it++) {
        const int slot = it % NSLOT;
        const int r = it / nseg, s = it - r * nseg;
        if (s == 0 && lane == 0 && !(FLAGS & STREAM_SILU)) {
            // the row's bias and residual are requested now and used after its last segment
            const int row = ROPE ? epi.row(u0 * U + r) : u0 * U + r;
            rowBias = bias ? __ldg(bias + row) : 0.0f;
            rowResid = resid ? resid[row] : 0.0f;
            if (ROPE && (r & 1) == 0) epi.fetch((u0 * U + r) >> 1);
        }
        inv::mbar_wait(&full[warp][slot], (unsigned)(it / NSLOT) & 1u);
        const unsigned char* seg = myRing + slot * SLOTB;
        const int g0 = s * SEGG, g1 = min(l.groups, g0 + SEGG);
        if (on) inv::segment_dot<T, SEGG>(seg, xl, l, g0, g1, gbytes, lane, acc);
        const bool last = s == nseg - 1;
        if (last && on) inv::row_rest<T>(seg, xl, l, k, g1 - g0, gbytes, lane, acc);
        inv::slot_done(lane, it, NSLOT, items, issue);  // every lane has read the slot: it may be refilled
        if (last) {
#pragma unroll
            for (int d = 16; d >= 1; d >>= 1) {
                const float o = __shfl_down_sync(0xffffffffu, acc, d);
                if (d < l.w) acc = acc + o;
            }
            const int row = u0 * U + r;
            if (FLAGS & STREAM_SILU) {
                if ((r & 1) == 0) {
                    gate = acc;
                } else if (lane == 0) {
                    y[row >> 1] = inv::silu_canon(gate) * acc;
                }
            } else if (ROPE) {
                if (lane == 0) {
                    const float o = bias ? acc + rowBias : acc;
                    if ((r & 1) == 0) {
                        gate = o;
                    } else {
                        epi.pair(row >> 1, gate, o);
                    }
                }
            } else if (lane == 0) {
                float o = acc;
                if (bias) o = o + rowBias;
                if (resid) o = rowResid + o;
                y[row] = o;
            }
            acc = 0.0f;
        }
    }
}

}  // namespace

#define MATVEC_STREAM(name, T, FLAGS)                                                                              \
    INV_EXTERN void __launch_bounds__(32 * STREAM_WARPS, 1)                                                          \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx) {                                            \
        stream_impl<T, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx);                         \
    }

// Named matvec_stream_<dtype>[_norm[_silu]]; one token; shared memory: STREAM_WARPS * SLOTS * SLOT_BYTES + 4 * k
// (twice that with NORM), k rounded up to a multiple of 4.
MATVEC_STREAM(matvec_stream_bf16, unsigned short, 0)
MATVEC_STREAM(matvec_stream_bf16_norm, unsigned short, STREAM_NORM)
MATVEC_STREAM(matvec_stream_bf16_norm_silu, unsigned short, STREAM_NORM | STREAM_SILU)
MATVEC_STREAM(matvec_stream_f32, float, 0)
MATVEC_STREAM(matvec_stream_f32_norm, float, STREAM_NORM)
MATVEC_STREAM(matvec_stream_f32_norm_silu, float, STREAM_NORM | STREAM_SILU)

// The ring for small models (above): 16 warps x 2 slots x SEG_GROUPS, base's options otherwise; one block of 512
// threads per multiprocessor. Named matvec_stream_<dtype>[_norm[_silu]]_w16; shared memory: W16_WARPS * W16_SLOTS *
// SLOT_BYTES + 4 * k (twice that with NORM), k rounded up to a multiple of 4.
#define W16_WARPS 16
#define W16_SLOTS 2
#define MATVEC_STREAM_W16(name, T, FLAGS)                                                                          \
    INV_EXTERN void __launch_bounds__(32 * W16_WARPS, 1)                                                             \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx) {                                            \
        stream_impl<T, FLAGS, W16_SLOTS, SEG_GROUPS, W16_WARPS>(W, x, xrows, nw, eps, y, bias, resid, rows, k,      \
                                                                stride, ldx);                                       \
    }
MATVEC_STREAM_W16(matvec_stream_bf16_w16, unsigned short, 0)
MATVEC_STREAM_W16(matvec_stream_bf16_norm_w16, unsigned short, STREAM_NORM)
MATVEC_STREAM_W16(matvec_stream_bf16_norm_silu_w16, unsigned short, STREAM_NORM | STREAM_SILU)
MATVEC_STREAM_W16(matvec_stream_f32_w16, float, 0)
MATVEC_STREAM_W16(matvec_stream_f32_norm_w16, float, STREAM_NORM)
MATVEC_STREAM_W16(matvec_stream_f32_norm_silu_w16, float, STREAM_NORM | STREAM_SILU)

// The ring for bf16 models of hidden size > 2048 (above): 8 warps x 3 slots x 12 groups (6,720-byte slots, 161,280 bytes
// of ring), the input row and the norm's weights staged by one bulk copy each (NW_BULK; the weights requested before
// the wait), base's options otherwise. Named matvec_stream_bf16[_norm[_silu]]_wide; shared memory: WIDE_WARPS *
// WIDE_SLOTS * STREAM_SLOT_BYTES(WIDE_GROUPS) + 4 * k (twice that with NORM), k rounded up to a multiple of 4.
#define WIDE_WARPS 8
#define WIDE_SLOTS 3
#define WIDE_GROUPS 12
#define MATVEC_STREAM_WIDE(name, FLAGS)                                                                              \
    INV_EXTERN void __launch_bounds__(32 * WIDE_WARPS, 1)                                                              \
        name(const unsigned short* W, const float* x, const int* xrows, const float* nw, float eps, float* y,          \
             const float* bias, const float* resid, int rows, int k, int stride, int ldx) {                            \
        stream_impl<unsigned short, FLAGS, WIDE_SLOTS, WIDE_GROUPS, WIDE_WARPS, NW_BULK>(W, x, xrows, nw, eps, y, bias, \
                                                                                        resid, rows, k, stride, ldx);  \
    }
MATVEC_STREAM_WIDE(matvec_stream_bf16_wide, 0)
MATVEC_STREAM_WIDE(matvec_stream_bf16_norm_wide, STREAM_NORM)
MATVEC_STREAM_WIDE(matvec_stream_bf16_norm_silu_wide, STREAM_NORM | STREAM_SILU)

// Variants the backend may pick instead (-Dinvariant.cuda.stream-variant, engine-cuda ProjectionKernels), bf16 only, the same
// values: a ring small enough that two blocks fit on a multiprocessor with the input row (NORM's weights read from
// global memory, NW_GLOBAL), so that with dependent launch the next kernel's block is resident, its first weights
// requested, while this one drains. _p2x8 / _p2x4: 2 slots of 8 / 4 groups per warp (74,752 / 41,984 bytes of
// ring; the backend takes the first of them that fits twice); _p2x8e / _p2x4e: the same with STREAM_EARLY_RELEASE.
// Shared memory: STREAM_WARPS * 2 * STREAM_SLOT_BYTES(8 or 4) + 4 * k, k rounded up to a multiple of 4.
#define MATVEC_STREAM_PAIR(name, FLAGS, SEGG, OPTS)                                                                 \
    INV_EXTERN void __launch_bounds__(32 * STREAM_WARPS, 2)                                                          \
        name(const unsigned short* W, const float* x, const int* xrows, const float* nw, float eps, float* y,        \
             const float* bias, const float* resid, int rows, int k, int stride, int ldx) {                          \
        stream_impl<unsigned short, FLAGS, 2, SEGG, STREAM_WARPS, NW_GLOBAL | (OPTS)>(W, x, xrows, nw, eps, y, bias,  \
                                                                                  resid, rows, k, stride, ldx);      \
    }
#define MATVEC_STREAM_PAIRS(suffix, SEGG, OPTS)                                                                      \
    MATVEC_STREAM_PAIR(matvec_stream_bf16_##suffix, 0, SEGG, OPTS)                                                   \
    MATVEC_STREAM_PAIR(matvec_stream_bf16_norm_##suffix, STREAM_NORM, SEGG, OPTS)                                    \
    MATVEC_STREAM_PAIR(matvec_stream_bf16_norm_silu_##suffix, STREAM_NORM | STREAM_SILU, SEGG, OPTS)
MATVEC_STREAM_PAIRS(p2x8, 8, 0)
MATVEC_STREAM_PAIRS(p2x4, 4, 0)
MATVEC_STREAM_PAIRS(p2x8e, 8, STREAM_EARLY_RELEASE)
MATVEC_STREAM_PAIRS(p2x4e, 4, STREAM_EARLY_RELEASE)

// The q|k|v projection of one token with RoPE and the KV cache write fused (STREAM_NORM | STREAM_ROPE; rope_epi.cuh
// states the order; CPU twins MatMul, RopeTable.rotate, PagedKvCache.write): for models without a per-head q/k
// norm, in place of this projection and rope_kv.cu. One kernel per (weight dtype, stored KV dtype, ring), named
// matvec_stream_<dtype>_norm_rope[_<kv>][_w16]: the base ring, or _w16's (for the models whose projections take it,
// engine-cuda StreamRing). Shared memory: as the _norm kernel of its ring. rows = heads + 2 kvHeads
// heads of headDim (even), k = the hidden size; positions, tokSeq, seqTableStart, tables, cos/sin: as rope_kv.cu.
#define MATVEC_STREAM_ROPE(name, WT, KV, NSLOT, NWARPS)                                                                \
    INV_EXTERN void __launch_bounds__(32 * NWARPS, 1)                                                                  \
        name(const WT* W, const float* x, const float* nw, float eps, float* y, const float* bias, int rows, int k,    \
             int stride, int ldx, const int* positions, const int* tokSeq, const int* seqTableStart,                   \
             const int* tables, const float* cosT, const float* sinT, int heads, int kvHeads, int headDim,             \
             int blockSize, KV::T* keyCache, KV::T* valueCache) {                                                      \
        inv::RopeEpi<KV> epi{y, positions, tokSeq, seqTableStart, tables, cosT, sinT, keyCache, valueCache,            \
                             heads, kvHeads, headDim, blockSize, 0, 0, 0.0f, 0.0f};                                    \
        stream_impl<WT, STREAM_NORM | STREAM_ROPE, NSLOT, SEG_GROUPS, NWARPS, 0, inv::RopeEpi<KV>>(                    \
            W, x, nullptr, nw, eps, y, bias, nullptr, rows, k, stride, ldx, epi);                                      \
    }
#define MATVEC_STREAM_ROPE_KV(dtype, WT, NSLOT, NWARPS, ring)                                                          \
    MATVEC_STREAM_ROPE(matvec_stream_##dtype##_norm_rope##ring, WT, inv::KvF32, NSLOT, NWARPS)                         \
    MATVEC_STREAM_ROPE(matvec_stream_##dtype##_norm_rope_bf16##ring, WT, inv::KvBf16, NSLOT, NWARPS)                   \
    MATVEC_STREAM_ROPE(matvec_stream_##dtype##_norm_rope_fp8e4m3##ring, WT, inv::KvE4m3, NSLOT, NWARPS)                \
    MATVEC_STREAM_ROPE(matvec_stream_##dtype##_norm_rope_fp8e5m2##ring, WT, inv::KvE5m2, NSLOT, NWARPS)
MATVEC_STREAM_ROPE_KV(bf16, unsigned short, SLOTS, STREAM_WARPS, )
MATVEC_STREAM_ROPE_KV(f32, float, SLOTS, STREAM_WARPS, )
MATVEC_STREAM_ROPE_KV(bf16, unsigned short, W16_SLOTS, W16_WARPS, _w16)
MATVEC_STREAM_ROPE_KV(f32, float, W16_SLOTS, W16_WARPS, _w16)
