// GPTQ int8/int4 projections of many tokens at once (batches of >= 16, prefill chunks): gptq_matvec.cu's values
// (numerics.md §2, §3, §14) on matvec_tile.cu's tiles, the packed rows in GptqRows' order.
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1, whatever g_idx is (act-order permutes groups, never the order of the sum).
// Dequantisation, per weight, the CPU's one operation: w = fmaf((float) (q - o), s, nz) with o = 128 (int8) or 0
// (int4) and (s, nz) the row's group entry of the host's table, so w is the exact (q - z) * s; (float) (q - o) made
// exactly without a conversion (gptq.cuh). Each weight is dequantised once per block and feeds the warp's TW tokens.
// Mapping: a block is RB = WR * RW rows x TB = WT * TW tokens, each warp RW rows x TW tokens, lane p holding P[p] of
// all of them. k is walked a stage of KS = 512 indices at a time (16 values per lane and row: a whole layout group of
// int8, half of one of int4, whose first 8 bytes per lane are the chunks 0 .. 15 of the group): the block's RB packed
// rows (cp.async, 8 bytes per copy), the TB input rows (stored order) and, for chunk-aligned groups, each row's
// (s, nz) entries of the groups the stage touches land in shared memory STAGES - 1 stages ahead of the one being
// multiplied. Act-order (GQ_ACT) takes the block's whole tables once and reads g_idx[i] per index. Per partial the
// fmas run in increasing i: stage by stage, then the row's rest and tail (read from global memory, as
// gptq_matvec.cu). The trees pair the canonical partials (tile.cuh). No split of a dot, so neither the tile shape
// nor the batch changes a value.
// Fused steps as gptq_matvec.cu: NORM (RMSNorm of the staged inputs), SILU ((gate, up) row pairs 2i, 2i+1 within a
// warp's rows), bias (one rounded add), resid (the residual add, last).
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
#include "gptq.cuh"
#include "stream.cuh"
#include "tile.cuh"

#define GTILE_KS 512  // indices per stage
// gsz values the kernels take: GQ > 0 fixes 32 * GQ at compile time (the common 128), 0 any multiple of 32 (or one
// group), -1 act-order
#define GTILE_ANY 0
#define GTILE_ACT -1
#define GTILE_BULK_TAB 6  // (s, nz) entries per row and slot of the bulk ring: a stage's 4, one before, one after

namespace gtile {

// (s, nz) entries a stage's rows need: the groups its 512 indices touch (chunk-aligned groups), none for act-order.
__host__ __device__ constexpr int tab_entries(int gq) {
    return gq > 0 ? (16 % gq == 0 ? 16 / gq : 16 / gq + 2) : gq == 0 ? 17 : 0;
}

// Dynamic shared memory of a block: STAGES x (RB packed rows of a stage, TB input rows of a stage, RB rows' table
// entries of a stage); act-order adds the RB rows' whole tables. Bulk (int8, group 128): per slot the rows' entries
// as copied (6 per row, from the 16-byte boundary at or before the stage's first), then the ring's 2 x STAGES
// mbarriers.
__host__ __device__ constexpr int gtile_smem(int bits, int gq, int rb, int tb, int stages, int groups,
                                             bool bulk = false) {
    return bulk ? stages * (rb * 512 + tb * GTILE_KS * 4 + rb * GTILE_BULK_TAB * 8) + 2 * stages * 8
                : stages * (rb * 32 * 2 * bits + tb * GTILE_KS * 4 + rb * tab_entries(gq) * 8) +
                      (gq < 0 ? rb * groups * 8 : 0);
}

// (float) (q - o) of value v of a lane's 8-byte unit of a stage (int8: 8 values, int4: 16), exactly.
template <int BITS> __device__ __forceinline__ float unit_value(uint2 u, int v) {
    if constexpr (BITS == 8) {
        return inv::q8f_word(v < 4 ? u.x : u.y, v & 3);
    } else {
        return inv::q4f_word(v < 8 ? u.x : u.y, v & 7);
    }
}

// A row's g_idx: the array rowPart names (null: the one array).
__device__ __forceinline__ const int* part_gidx(const int* gidx, const int* rowPart, int row, int k) {
    return rowPart ? gidx + (long long)__ldg(rowPart + row) * k : gidx;
}

// UNROLL: how many of a stage's 8-byte units the compiler unrolls (0: all; 1 keeps int8's loop body half as long).
// BULK (int8, group 128, input read as given; gptq_tile_int8_g128_bulk*, below, the engine's default): each stage's
// packed rows, input rows and the rows' table entries brought by the copy engine (cp.async.bulk, one copy per row)
// into a ring of STAGES slots counted on mbarriers, as tile_bulk.cuh does for dense rows, instead of by the block's
// threads with a block barrier per stage; the same fmas in the same order.
template <int BITS, int GQ, int RW, int TW, int WR, int WT, int FLAGS, int STAGES, int UNROLL = 0, bool BULK = false>
__device__ __forceinline__ void gtile_impl(const unsigned char* Wq, const float2* tab, const int* gidx,
                                           const int* rowPart, int gsz, const float* x, const int* xrows,
                                           const float* nw, float eps, float* y, const float* bias, const float* resid,
                                           int rows, int k, int stride, int groups, int ldx, int ldy, int n) {
    constexpr bool ACT = GQ == GTILE_ACT;
    constexpr int GS = 128 / BITS;          // values per 16-byte load (layout.cuh's group: 32 * GS indices)
    constexpr int VU = 64 / BITS;           // values per 8-byte unit
    constexpr int UPL = 16 / VU;            // units per lane and row in a stage
    constexpr int KS = GTILE_KS, TABN = tab_entries(GQ);
    constexpr int RB = WR * RW, TB = WT * TW, D = RW * TW, THREADS = 32 * WR * WT;
    static_assert(D % 64 == 0, "each lane ends with an even number of a warp's dots");
    static_assert(GQ <= 0 || 16 % GQ == 0, "a fixed group size divides a stage");
    static_assert(!BULK || (BITS == 8 && GQ == 4 && !(FLAGS & TILE_NORM) && STAGES >= 3),
                  "the bulk ring: int8 group 128 on an input read as given (no fused norm), three slots at least");
    extern __shared__ float4 gsm4[];
    uint2* ws = reinterpret_cast<uint2*>(gsm4);                       // [stage][RB][unit][32 lanes]
    float* xs = reinterpret_cast<float*>(ws + STAGES * RB * UPL * 32);  // [stage][TB][KS]
    float2* ts = reinterpret_cast<float2*>(xs + STAGES * TB * KS);     // [stage][RB][TABN], act: [RB][groups]
    __shared__ float invs[TB];
    const int w = inv::dot_width(k), chunks = k / w, G = chunks / GS, rest = chunks - G * GS;
    const int stages = G * (GS / 16);  // whole stages (W is 32 whenever there is one)
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rt, tt;
    tile::block_tile((rows + RB - 1) / RB, (n + TB - 1) / TB, rt, tt);
    const int row0 = rt * RB, t0 = tt * TB;
    const int wr0 = (warp % WR) * RW, wt0 = (warp / WR) * TW;  // the warp's rows and tokens within the block
    const int gdiv = GQ > 0 ? 32 * GQ : gsz;

    if (FLAGS & TILE_NORM) tile::norm_invs<TB, WR * WT>(invs, x, xrows, ldx, k, t0, n, eps, warp, lane);
    const bool vec = (ldx & 3) == 0 && (reinterpret_cast<unsigned long long>(x) & 15) == 0;
    if (ACT) {  // the block's rows' whole tables, with the first stage
        for (int e = threadIdx.x; e < RB * groups; e += THREADS) {
            const int r = e / groups;
            tile::cp_async8(ts + e, tab + (long long)min(row0 + r, rows - 1) * groups + (e - r * groups));
        }
    }
    // Stage s: the RB packed rows (past the last row: the last again), TB input rows (past n: the last token again)
    // and the rows' (s, nz) entries e0 .. of the groups its indices touch.
    auto issue = [&](int s) {
        if (s < stages) {
            const int b = s % STAGES;
            for (int e = threadIdx.x; e < RB * UPL * 32; e += THREADS) {
                const int r = e / (UPL * 32), j = e - r * (UPL * 32);
                const unsigned char* row = Wq + (long long)min(row0 + r, rows - 1) * stride;
                if (BITS == 8) {  // j: lane j / 2's unit j % 2
                    tile::cp_async8(ws + ((b * RB + r) * 2 + (j & 1)) * 32 + (j >> 1), row + s * 512 + j * 8);
                } else {  // j: lane j's half s % 2 of layout group s / 2
                    tile::cp_async8(ws + (b * RB + r) * 32 + j, row + (s >> 1) * 512 + j * 16 + (s & 1) * 8);
                }
            }
            tile::issue_inputs<TB, KS, THREADS>(xs + b * TB * KS, x, xrows, ldx, t0, n, s, vec);
            if (!ACT) {
                const int e0 = s * KS / gdiv, cnt = min((s * KS + KS - 1) / gdiv, groups - 1) - e0 + 1;
                for (int e = threadIdx.x; e < RB * TABN; e += THREADS) {
                    const int r = e / max(TABN, 1), c = e - r * TABN;
                    if (c < cnt) {
                        tile::cp_async8(ts + b * RB * TABN + e,
                                        tab + (long long)min(row0 + r, rows - 1) * groups + e0 + c);
                    }
                }
            }
        }
        tile::cp_commit();  // an empty group past the end keeps the count of groups in flight fixed
    };
    // The bulk ring (BULK): thread i's copy each stage (packed row i, input row i - RB, or row i - RB - TB's table
    // entries), stage s + DIST requested while stage s is multiplied, into the slot stage s + DIST - STAGES used.
    constexpr int DIST = STAGES - 2, TABB = GTILE_BULK_TAB * 8, NW = WR * WT;
    float2* tsb = reinterpret_cast<float2*>(xs + STAGES * TB * KS);  // [slot][RB][GTILE_BULK_TAB] (BULK)
    unsigned long long* full = reinterpret_cast<unsigned long long*>(tsb + STAGES * RB * GTILE_BULK_TAB);
    unsigned long long* empty = full + STAGES;
    const char* bsrc = nullptr;
    char* bdst = nullptr;
    unsigned bbytes = 0, bstep = 0, bslot = 0, btotal = 0;
    unsigned odd = 0;  // bit r: row wr0 + r's entries copied from 8 bytes before its stage's first
    const int bi = lane < (2 * RB + TB + NW - 1) / NW ? warp * ((2 * RB + TB + NW - 1) / NW) + lane : 2 * RB + TB;
    if constexpr (BULK) {
        auto oddRow = [&](int r) { return (unsigned)(((long long)min(row0 + r, rows - 1) * groups) & 1); };
        if (threadIdx.x == 0) {
            for (int b = 0; b < STAGES; b++) {
                inv::mbar_init(&full[b]);
                asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(inv::saddr(&empty[b])), "r"(NW)
                             : "memory");
            }
            asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        }
        for (int r = 0; r < RW; r++) odd |= oddRow(wr0 + r) << r;
        if (bi < RB) {
            bsrc = reinterpret_cast<const char*>(Wq + (long long)min(row0 + bi, rows - 1) * stride);
            bdst = reinterpret_cast<char*>(ws) + bi * 512;
            bbytes = 512; bstep = 512; bslot = RB * 512;
        } else if (bi < RB + TB) {
            const int tok = min(t0 + bi - RB, n - 1);
            bsrc = reinterpret_cast<const char*>(x + (long long)(xrows ? xrows[tok] : tok) * ldx);
            bdst = reinterpret_cast<char*>(xs) + (bi - RB) * KS * 4;
            bbytes = KS * 4; bstep = KS * 4; bslot = TB * KS * 4;
        } else if (bi < 2 * RB + TB) {
            const int r = bi - RB - TB;
            bsrc = reinterpret_cast<const char*>(tab + (long long)min(row0 + r, rows - 1) * groups - oddRow(r));
            bdst = reinterpret_cast<char*>(tsb) + r * TABB;
            bbytes = oddRow(r) ? 48 : 32; bstep = 4 * 8; bslot = RB * TABB;
        }
        if (bi == 0) {
            btotal = RB * 512 + TB * KS * 4;
            for (int r = 0; r < RB; r++) btotal += oddRow(r) ? 48 : 32;
        }
        __syncthreads();
    }
    auto issueBulk = [&](int s) {  // stage s into slot s % STAGES, by the copying threads
        if (s < stages) {
            const int b = s % STAGES;
            if (bi == 0) inv::mbar_expect(&full[b], btotal);
            if (bbytes) inv::bulk_copy(bdst + b * bslot, bsrc + (long long)s * bstep, bbytes, &full[b]);
        }
    };
    if constexpr (BULK) {
        for (int s = 0; s < DIST; s++) issueBulk(s);
    } else {
#pragma unroll
        for (int s = 0; s < STAGES - 1; s++) issue(s);
    }

    float acc[D];  // acc[t * RW + r]: token wt0 + t, row wr0 + r
#pragma unroll
    for (int d = 0; d < D; d++) acc[d] = 0.0f;
    for (int s = 0; s < stages; s++) {
        if constexpr (BULK) {
            if (s + DIST < stages) {
                if (s + DIST >= STAGES) {  // the slot's previous stage, read by every warp
                    const int ps = s + DIST - STAGES;
                    inv::mbar_wait(&empty[ps % STAGES], (ps / STAGES) & 1);
                    inv::slot_release();
                }
                issueBulk(s + DIST);
            }
            inv::mbar_wait(&full[s % STAGES], (s / STAGES) & 1);
        } else {
            tile::cp_wait<STAGES - 2>();
            __syncthreads();  // stage s has landed for every thread; every warp is done with stage s - 1
            issue(s + STAGES - 1);
        }
        const int b = s % STAGES;
        float* xg = xs + b * TB * KS;
        if (FLAGS & TILE_NORM) {
            tile::normalise<TB, KS, THREADS>(xg, nw, s, invs);
            __syncthreads();
        }
        const uint2* wg = ws + (b * RB + wr0) * UPL * 32 + lane;
        const uint4* wb = reinterpret_cast<const uint4*>(ws + (b * RB + wr0) * 64) + lane;  // BULK: rows as stored
        const float* xl = xg + wt0 * KS + lane;
        const float2* tg = ts + (ACT ? wr0 * groups : (b * RB + wr0) * TABN);
        const int e0 = ACT ? 0 : s * KS / gdiv;
        float2 sc[RW];  // (s, nz) of the group in use per row (chunk-aligned groups)
        int cur = -1;
#pragma unroll(UNROLL ? UNROLL : UPL)
        for (int u = 0; u < UPL; u++) {
            uint2 wv[RW];
#pragma unroll
            for (int r = 0; r < RW; r++) {
                if constexpr (BULK) {
                    const uint4 q4 = wb[r * 32];
                    wv[r] = u == 0 ? make_uint2(q4.x, q4.y) : make_uint2(q4.z, q4.w);
                } else {
                    wv[r] = wg[(r * UPL + u) * 32];
                }
            }
#pragma unroll
            for (int v = 0; v < VU; v++) {
                const int c = u * VU + v;  // the chunk within the stage: index (16 s + c) * 32 + lane
                if (GQ > 0 ? c % max(GQ, 1) == 0 : !ACT) {
                    const int e = GQ > 0 ? c / max(GQ, 1) : (s * 16 + c) * 32 / gdiv - e0;
                    if (GQ > 0 || e != cur) {  // any group size: the same for every lane, so a uniform branch
                        cur = e;
#pragma unroll
                        for (int r = 0; r < RW; r++) {
                            if constexpr (BULK) {
                                sc[r] = tsb[(b * RB + wr0 + r) * GTILE_BULK_TAB + ((odd >> r) & 1) + e];
                            } else {
                                sc[r] = tg[r * TABN + e];
                            }
                        }
                    }
                }
                int gi[RW];  // act-order: g_idx[i] of each row (one array unless rowPart names a row's)
                if (ACT) {
                    const int i = (s * 16 + c) * 32 + lane;
                    if (!rowPart) {  // the common case: one load for all rows
                        const int g = __ldg(gidx + i);
#pragma unroll
                        for (int r = 0; r < RW; r++) gi[r] = g;
                    } else {
#pragma unroll
                        for (int r = 0; r < RW; r++) gi[r] = __ldg(part_gidx(gidx, rowPart, min(row0 + wr0 + r, rows - 1), k) + i);
                    }
                }
                float xv[TW];
#pragma unroll
                for (int t = 0; t < TW; t++) xv[t] = xl[t * KS + c * 32];
#pragma unroll
                for (int r = 0; r < RW; r++) {
                    const float2 st = ACT ? tg[r * groups + gi[r]] : sc[r];
                    const float wf = fmaf(unit_value<BITS>(wv[r], v), st.x, st.y);
#pragma unroll
                    for (int t = 0; t < TW; t++) acc[t * RW + r] = fmaf(xv[t], wf, acc[t * RW + r]);
                }
            }
        }
        if constexpr (BULK) {  // this warp is done with slot b
            __syncwarp();
            if (lane == 0) {
                asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(inv::saddr(&empty[b])) : "memory");
            }
        }
    }
    if constexpr (!BULK) {
        tile::cp_wait<0>();
        __syncthreads();  // invs is ready even without a whole stage
    }

    // the chunks after the last whole layout group, then the last k % W indices: still increasing per partial
    if (lane < w) {
        const int restBase = G * w * GS, tail = chunks * w;
        int xo[TW];  // the tokens' input rows (pointers would hold twice the registers beside the accumulators)
#pragma unroll
        for (int t = 0; t < TW; t++) {
            const int tok = min(t0 + wt0 + t, n - 1);
            xo[t] = xrows ? xrows[tok] : tok;
        }
        for (int q = 0; q <= rest; q++) {
            const int i = q < rest ? w * (GS * G + q) + lane : tail + lane;  // q == rest: the tail
            if (i >= k) break;
            const int slot = q < rest ? restBase + lane * rest + q : tail + lane;
            float xv[TW];
#pragma unroll
            for (int t = 0; t < TW; t++) {
                const float v = __ldg(x + (long long)xo[t] * ldx + i);
                xv[t] = (FLAGS & TILE_NORM) ? __ldg(nw + i) * (v * invs[wt0 + t]) : v;
            }
#pragma unroll
            for (int r = 0; r < RW; r++) {
                const int row = min(row0 + wr0 + r, rows - 1);
                const float2 st = __ldg(tab + (long long)row * groups + __ldg(part_gidx(gidx, rowPart, row, k) + i));
                const float wf = fmaf(inv::qf_at<BITS>(Wq + (long long)row * stride, slot), st.x, st.y);
#pragma unroll
                for (int t = 0; t < TW; t++) acc[t * RW + r] = fmaf(xv[t], wf, acc[t * RW + r]);
            }
        }
    }
    tile::store<RW, TW, FLAGS>(acc, lane, w, t0 + wt0, row0 + wr0, n, rows, y, ldy, bias, resid);
}

}  // namespace gtile

#define GPTQ_TILE(name, BITS, GQ, RW, TW, WR, WT, FLAGS, STAGES)                                                     \
    INV_EXTERN void __launch_bounds__(32 * WR * WT, 1)                                                               \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, \
             int k, int stride, int groups, int ldx, int ldy, int n) {                                               \
        gtile::gtile_impl<BITS, GQ, RW, TW, WR, WT, FLAGS, STAGES>(Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y, \
                                                                   bias, resid, rows, k, stride, groups, ldx, ldy, n); \
    }

// Named gptq_tile_int<bits>[_g128|_act][_norm][_silu]_64x16 (_silu alone: gate/up over x' normed first by
// matvec_tile_norm_rows, as the engine stages a fused norm by default): 64 rows x 16 tokens per block (warps of 8
// rows x 16 tokens, 8 of them), two stages deep, a 1-D grid of ceil(rows / 64) * ceil(n / 16) blocks,
// gtile::gtile_smem(bits, GQ, 64, 16, 2, groups) bytes of dynamic shared memory. Measured on the H200
// (bench/device/kernels/gptq_tiles.cu, Qwen1.5-14B layers): the fastest of the shapes tried, two stages at least as
// fast as three and the only depth that leaves room for int8 act-order's whole tables; on x' normed first 1.2-1.3x
// faster per layer than with the norm fused (no normalising pass and barrier per stage; docs/benchmarks.md).
#define GPTQ_TILE_FUSED(base, BITS, GQ, STAGES)                                      \
    GPTQ_TILE(base##_64x16, BITS, GQ, 8, 16, 8, 1, 0, STAGES)                        \
    GPTQ_TILE(base##_norm_64x16, BITS, GQ, 8, 16, 8, 1, TILE_NORM, STAGES)           \
    GPTQ_TILE(base##_norm_silu_64x16, BITS, GQ, 8, 16, 8, 1, TILE_NORM | TILE_SILU, STAGES) \
    GPTQ_TILE(base##_silu_64x16, BITS, GQ, 8, 16, 8, 1, TILE_SILU, STAGES)

GPTQ_TILE_FUSED(gptq_tile_int8, 8, GTILE_ANY, 2)
GPTQ_TILE_FUSED(gptq_tile_int8_g128, 8, 4, 2)
GPTQ_TILE_FUSED(gptq_tile_int8_act, 8, GTILE_ACT, 2)
GPTQ_TILE_FUSED(gptq_tile_int4, 4, GTILE_ANY, 2)
GPTQ_TILE_FUSED(gptq_tile_int4_g128, 4, 4, 2)
GPTQ_TILE_FUSED(gptq_tile_int4_act, 4, GTILE_ACT, 2)

// gptq_tile_int8_g128_bulk[_silu]_64x16: the same tiles over int8 group-128 rows on an input read as given (x' normed
// first, or an unnormed input of 16-byte aligned rows), each stage brought by the copy engine into a ring of 3 slots
// (gtile_impl's BULK); gtile::gtile_smem(8, 4, 64, 16, 3, groups, true) bytes of dynamic shared memory. The engine's
// default (-Dinvariant.cuda.gptq-tile-bulk=false for the threads' staging): 1.15x at Qwen1.5-14B batch 16 and 64.
#define GPTQ_TILE_BULK(name, FLAGS)                                                                                   \
    INV_EXTERN void __launch_bounds__(256, 1)                                                                        \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, \
             int k, int stride, int groups, int ldx, int ldy, int n) {                                               \
        gtile::gtile_impl<8, 4, 8, 16, 8, 1, FLAGS, 3, 0, true>(Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y,    \
                                                               bias, resid, rows, k, stride, groups, ldx, ldy, n);    \
    }
GPTQ_TILE_BULK(gptq_tile_int8_g128_bulk_64x16, 0)
GPTQ_TILE_BULK(gptq_tile_int8_g128_bulk_silu_64x16, TILE_SILU)
