// y[t][o] = canonical dot(dequant(W[o]), x[t]) (+ bias[o]) (+ resid[t][o]) for GPTQ int8/int4 weights kept packed in
// device memory (numerics.md §2, §3, §14): the projections of a GPTQ checkpoint.
// Dequantisation, per weight, the CPU's one operation: w = fmaf((float) (q - o), s, nz) with o = 128 (int8) or 0
// (int4), s the group's scale widened exactly and nz = -((float) (z - o) * s), both taken from the host's table (the
// very floats GptqMatrix holds), so w is the exact (q - z) * s, +0 when q = z. (float) (q - o) is built exactly
// without a conversion instruction: 2^23 + q as bits, minus 2^23 + o.
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1, whatever g_idx is (act-order permutes groups, never the order of the sum).
// Mapping: R rows per warp; lane p holds P[p] of each of its rows and of each of the block's TG tokens and takes its
// indices p, p + W, ... in increasing order. Rows are moved once at upload (engine-cuda GptqRows) into the slot order
// of layout.cuh counted in values, with GS = 128 / bits values per 16-byte load (int8: 16, int4: 32; int4 slot j is
// the low nibble of byte j / 2 when j is even): one 16-byte load brings lane p its next GS values, several ahead.
// Groups: per row a table of (s, nz) per group. Checkpoints whose g_idx[i] = i / gsz with gsz a multiple of 32
// (not act-order) take the group per 32-index chunk, reloading (s, nz) when a chunk starts a new group; act-order
// ones (ACT) read g_idx[i] per index (gidx + part * k, the part of a stacked row from rowPart, null = part 0).
// The tree is lane q adding lane q + s (shuffles), as inv::warp_dot. Each token keeps its own partials, so TG and R
// never change a value; no split depends on the batch.
// Fused steps as matvec.cu: NORM (RMSNorm of the staged input rows), SILU ((gate, up) row pairs 2i, 2i+1 in one
// warp: R is even), bias (one rounded add), resid (the residual add, last).
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
#include "gptq.cuh"
#include "rows.cuh"

#define NORM 1
#define SILU 2
#define WARPS 8
#define AHEAD 4
#define TSTAGE 64
#ifndef EXPERTS_AHEAD
#define EXPERTS_AHEAD 2
#endif

namespace {

// (float) (q - o) of value j (0 .. GS-1) of one 16-byte load, exactly.
template <int BITS> __device__ __forceinline__ float qf(uint4 u, int j) {
    if constexpr (BITS == 8) {
        return inv::q8f(u, j);
    } else {
        return __uint_as_float(0x4B000000u | ((inv::word(u, j >> 3) >> (4 * (j & 7))) & 0xFu)) - 8388608.0f;  // 2^23
    }
}

// Value j of a lane's rest, held raw in 16 bytes: int8 byte j, int4 nibble j (the rest already shifted to nibble 0).
template <int BITS> __device__ __forceinline__ float qf_rest(const unsigned (&rq)[4], int j) {
    if constexpr (BITS == 8) {
        return __uint_as_float(0x4B000000u | ((rq[j >> 2] >> (8 * (j & 3))) & 0xFFu)) - 8388736.0f;  // 2^23 + 128
    } else {
        return __uint_as_float(0x4B000000u | ((rq[j >> 3] >> (4 * (j & 7))) & 0xFu)) - 8388608.0f;  // 2^23
    }
}

// YROWS: token t's output row is yrows[t] (a mixture's grouped pairs), else t.
// STAGED (not ACT; where few rows per warp leave the loads' latency exposed, the mixtures' experts): a row's group table
// of up to TSTAGE entries is read at the start and staged in the warp's shared memory (each group's (s, nz) one
// broadcast load there, not a dependent global load), the rest and the tail read raw at the start too, so that no
// global load waits inside the loop; the same values, the same fmas in the same order. Larger tables are read as
// without it. (Taken by shuffle from registers instead, the loop's group starts became convergence points: 1.6x
// slower for one token, 3x for 4.)
template <int BITS, int TG, int R, int FLAGS, bool ACT, bool YROWS = false, bool STAGED = false, int AH = AHEAD>
__device__ __forceinline__ void gptq_impl(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart,
                                          int gsz, const float* x, const int* xrows, const float* nw, float eps,
                                          float* y, const float* bias, const float* resid, int rows, int k,
                                          int stride, int groups, int ldx, int ldy, int n, int t0,
                                          const int* yrows = nullptr) {
    constexpr int GS = 128 / BITS;
    extern __shared__ float4 xs4[];
    float* xs = reinterpret_cast<float*>(xs4);  // TG input rows of xst floats, in stored order
    __shared__ float invs[TG];
    const int w = inv::dot_width(k);
    const int chunks = k / w;
    const int G = chunks / GS;
    const int rest = chunks - G * GS;
    const int xst = (k + 3) & ~3;
    const int warps = blockDim.x >> 5;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int row0 = (blockIdx.x * warps + warp) * R;
    const unsigned char* wr[R];
    const float2* tr[R];
    const int* gr[R];
#pragma unroll
    for (int r = 0; r < R; r++) {
        const int row = min(row0 + r, rows - 1);  // past the end: reread the last
        wr[r] = Wq + (long long)row * stride;
        tr[r] = tab + (long long)row * groups;
        gr[r] = gidx + (rowPart ? (long long)rowPart[row] * k : 0LL);
    }

    uint4 cur[R][AH];
#pragma unroll
    for (int u = 0; u < AH; u++) {
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (u < G) cur[r][u] = inv::ld_stream(wr[r] + (lane + u * 32LL) * 16);
        }
    }

    constexpr bool TR = STAGED && !ACT;
    const bool staged = TR && w == 32 && groups <= TSTAGE;  // the same for every lane
    float2* tw = nullptr;  // staged: the warp's staged tables, row r's at r * TSTAGE
    float2 tl[R][TSTAGE / 32];  // staged: entries lane + 32c of row r's table, on their way to tw
    unsigned rq[R][4];   // staged: the lane's rest, raw from value 0
    float qt[R];         // staged: (float) (q - o) of the lane's tail index, if any
    // after the TG staged input rows in the dynamic shared memory (the launch adds WARPS * R * TSTAGE entries)
    if constexpr (TR) tw = reinterpret_cast<float2*>(xs + TG * xst) + warp * R * TSTAGE;
    if (TR && staged) {
        const int s0 = G * 32 * GS + lane * rest;  // the lane's first rest slot
        const int b0 = BITS == 8 ? s0 : s0 >> 1;
        const int nb = BITS == 8 ? rest : ((s0 & 1) + rest + 1) >> 1;
        const int ti = chunks * 32 + lane;
#pragma unroll
        for (int r = 0; r < R; r++) {
#pragma unroll
            for (int c = 0; c < TSTAGE / 32; c++) {
                if (lane + 32 * c < groups) tl[r][c] = __ldg(tr[r] + lane + 32 * c);
            }
#pragma unroll
            for (int m = 0; m < 4; m++) rq[r][m] = 0u;
#pragma unroll
            for (int m = 0; m < 16; m++) {
                if (m < nb) rq[r][m >> 2] |= (unsigned)__ldg(wr[r] + b0 + m) << (8 * (m & 3));
            }
            if (BITS == 4 && (s0 & 1)) {
#pragma unroll
                for (int m = 0; m < 3; m++) rq[r][m] = __funnelshift_r(rq[r][m], rq[r][m + 1], 4);
                rq[r][3] >>= 4;
            }
            qt[r] = ti < k ? inv::qf_at<BITS>(wr[r], ti) : 0.0f;
        }
    }

    inv::stage_rows<TG, (FLAGS & NORM) != 0>(xs, invs, x, xrows, ldx, k, xst, t0, n, nw, eps);
    if (TR && staged) {  // after the staging, by when the tables have come
#pragma unroll
        for (int r = 0; r < R; r++) {
#pragma unroll
            for (int c = 0; c < TSTAGE / 32; c++) {
                if (lane + 32 * c < groups) tw[r * TSTAGE + lane + 32 * c] = tl[r][c];
            }
        }
        __syncwarp();
    }

    float acc[R][TG];
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int g = 0; g < TG; g++) acc[r][g] = 0.0f;
    }
    // (s, nz) of the group in use per row; -1: none loaded yet
    float2 st[R];
    int gcur[R];
#pragma unroll
    for (int r = 0; r < R; r++) gcur[r] = -1;
    int gnext = 0;  // !ACT: the first index of the next group
    int gid = -1;
    const float* xl = xs + lane;
    // Whole loads exist only when k >= GS * 32, so W is 32 here (a constant: the offsets become immediates).
    for (int g0 = 0; g0 < G; g0 += AH) {
#pragma unroll
        for (int u = 0; u < AH; u++) {
            const int gi = g0 + u;
            if (gi < G) {
                uint4 q[R];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    q[r] = cur[r][u];
                    if (gi + AH < G) cur[r][u] = inv::ld_stream(wr[r] + (lane + (gi + AH) * 32LL) * 16);
                }
#pragma unroll
                for (int j = 0; j < GS; j++) {
                    const int i = (gi * GS + j) * 32 + lane;  // this lane's index: chunk gi * GS + j
                    if (ACT) {
#pragma unroll
                        for (int r = 0; r < R; r++) {
                            const int gg = __ldg(gr[r] + i);
                            if (gg != gcur[r]) { st[r] = __ldg(tr[r] + gg); gcur[r] = gg; }
                        }
                    } else if (i - lane >= gnext) {  // the chunk starts a group (the same for every lane)
                        gid++;
                        gnext += gsz;
#pragma unroll
                        for (int r = 0; r < R; r++) st[r] = TR && staged ? tw[r * TSTAGE + gid] : __ldg(tr[r] + gid);
                    }
                    float wv[R];
#pragma unroll
                    for (int r = 0; r < R; r++) wv[r] = fmaf(qf<BITS>(q[r], j), st[r].x, st[r].y);
#pragma unroll
                    for (int g = 0; g < TG; g++) {
                        const float xv = xl[g * xst + (gi * GS + j) * 32];
#pragma unroll
                        for (int r = 0; r < R; r++) acc[r][g] = fmaf(xv, wv[r], acc[r][g]);
                    }
                }
            }
        }
    }
    if (TR && staged) {
        // as below, every lane in step: a chunk's group is the same for every lane (gsz a multiple of 32)
#pragma unroll
        for (int j = 0; j < GS; j++) {
            const int c = G * GS + j;  // j < rest: a rest chunk; j == rest: the tail's
            const int i = c * 32 + lane;
            if (j > rest || c * 32 >= k) break;
            if (c * 32 >= gnext) {
                gid++;
                gnext += gsz;
#pragma unroll
                for (int r = 0; r < R; r++) st[r] = tw[r * TSTAGE + gid];
            }
            if (i < k) {
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const float wv = fmaf(j < rest ? qf_rest<BITS>(rq[r], j) : qt[r], st[r].x, st[r].y);
#pragma unroll
                    for (int g = 0; g < TG; g++) acc[r][g] = fmaf(xs[g * xst + i], wv, acc[r][g]);
                }
            }
        }
    } else if (lane < w) {
        // the chunks after the last whole load, then the last k % W indices: still increasing per partial
        const int restBase = G * w * GS;
        for (int j = 0; j <= rest; j++) {
            const int i = j < rest ? (G * GS + j) * w + lane : chunks * w + lane;
            if (i >= k) break;
            const int slot = j < rest ? restBase + lane * rest + j : chunks * w + lane;
#pragma unroll
            for (int r = 0; r < R; r++) {
                const float2 sr = __ldg(tr[r] + __ldg(gr[r] + i));
                const float wv = fmaf(inv::qf_at<BITS>(wr[r], slot), sr.x, sr.y);
#pragma unroll
                for (int g = 0; g < TG; g++) acc[r][g] = fmaf(xs[g * xst + i], wv, acc[r][g]);
            }
        }
    }
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int g = 0; g < TG; g++) {
#pragma unroll
            for (int s = 16; s >= 1; s >>= 1) {
                const float o = __shfl_down_sync(0xffffffffu, acc[r][g], s);
                if (s < w) acc[r][g] = acc[r][g] + o;
            }
        }
    }
    if (lane != 0) return;
    if (FLAGS & SILU) {
#pragma unroll
        for (int r = 0; r + 1 < R; r += 2) {
#pragma unroll
            for (int g = 0; g < TG; g++) {
                if (row0 + r < rows && t0 + g < n) {
                    const long long yt = YROWS ? yrows[t0 + g] : t0 + g;
                    y[yt * ldy + ((row0 + r) >> 1)] = inv::silu_canon(acc[r][g]) * acc[r + 1][g];
                }
            }
        }
    } else {
#pragma unroll
        for (int r = 0; r < R; r++) {
            const int row = row0 + r;
#pragma unroll
            for (int g = 0; g < TG; g++) {
                if (row < rows && t0 + g < n) {
                    float o = acc[r][g];
                    if (bias) o = o + bias[row];
                    const long long yo = (YROWS ? (long long)yrows[t0 + g] : (long long)(t0 + g)) * ldy + row;
                    if (resid) o = resid[yo] + o;
                    y[yo] = o;
                }
            }
        }
    }
}

}  // namespace

#define GPTQ(name, BITS, TG, R, FLAGS, ACT)                                                                          \
    INV_EXTERN void __launch_bounds__(32 * WARPS)                                                                    \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, \
             int k, int stride, int groups, int ldx, int ldy, int n) {                                               \
        gptq_impl<BITS, TG, R, FLAGS, ACT>(Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y, bias, resid, rows, k,  \
                                           stride, groups, ldx, ldy, n, blockIdx.y * TG);                            \
    }

// Named gptq_int<bits>[_act][_norm[_silu]]_t<tokens per block>; R rows per warp (even, for the silu pairs): int4's
// loads carry twice the values, so 4 rows share each staged x read.
#define GPTQ_FUSED(base, BITS, TG, R, ACT)                          \
    GPTQ(base##_t##TG, BITS, TG, R, 0, ACT)                         \
    GPTQ(base##_norm_t##TG, BITS, TG, R, NORM, ACT)                 \
    GPTQ(base##_norm_silu_t##TG, BITS, TG, R, NORM | SILU, ACT)

#define GPTQ_ALL(TG)                               \
    GPTQ_FUSED(gptq_int8, 8, TG, 2, false)         \
    GPTQ_FUSED(gptq_int8_act, 8, TG, 2, true)      \
    GPTQ_FUSED(gptq_int4, 4, TG, 4, false)         \
    GPTQ_FUSED(gptq_int4_act, 4, TG, 4, true)

GPTQ_ALL(1)
GPTQ_ALL(4)

// A mixture's chosen experts packed (engine-cuda CudaExperts, the twin of matvec.cu's matvec_experts): block row p is
// (token, choice) pair p; its expert e = list[p]'s rows come from that expert's tables (wq[e], tab[e], gidx[e],
// rowPart[e], its GptqRows uploaded as they are for one projection; every expert of one shape and quantisation), its
// input is row p / xdiv of x (the token's for gate|up, the pair's own for down), its output row p of y. Each pair is
// gptq_impl over one token: the same operations as the expert's projection of that token alone. Launched without the
// programmatic attribute: the tables' index comes from the list the step wrote. LOADS (gptq_experts_loads_*):
// gptq_impl as the projections run it; else (gptq_experts_*) STAGED, with EXPERTS_AHEAD words in flight per row.
// engine-cuda GptqExperts.KERNEL picks the form per kernel (by default staged for int4's down, LOADS elsewhere).
template <int BITS, int FLAGS, bool ACT, bool LOADS = false>
__device__ __forceinline__ void gptq_experts_impl(const unsigned char* const* wq, const float2* const* tab,
                                                  const int* const* gidx, const int* const* rowPart, const int* list,
                                                  int xdiv, int gsz, const float* x, const float* nw, float eps,
                                                  float* y, int rows, int k, int stride, int groups, int ldx, int ldy) {
    const int p = blockIdx.y;
    const int e = list[p];
    constexpr int AH = LOADS || (FLAGS & NORM) ? AHEAD : EXPERTS_AHEAD;
    gptq_impl<BITS, 1, BITS == 8 ? 2 : 4, FLAGS, ACT, false, !LOADS, AH>(
        wq[e], tab[e], gidx[e], rowPart[e], gsz, x + (long long)(p / xdiv) * ldx, nullptr, nw, eps,
        y + (long long)p * ldy, nullptr, nullptr, rows, k, stride, groups, ldx, ldy, 1, 0);
}

// The same pairs grouped by expert (moe_group; the twin of matvec.cu's matvec_grouped): block row b is group b of up
// to 4 pairs of one expert (groups[2b] the expert, -1 for none; groups[2b + 1] its pairs), its input rows
// xrows[4b ..] (the pairs' tokens for gate|up, the pairs themselves for down), its output rows yrows[4b ..] (the
// pairs): gptq_impl's token groups, each weight dequantised once for the group's tokens, each (token, row) dot the same
// operations as alone. STAGED, or LOADS as gptq_experts_impl's.
template <int BITS, int FLAGS, bool ACT, bool LOADS = false>
__device__ __forceinline__ void gptq_grouped_impl(const unsigned char* const* wq, const float2* const* tab,
                                                  const int* const* gidx, const int* const* rowPart, const int* grp,
                                                  const int* xrows, const int* yrows, int gsz, const float* x,
                                                  const float* nw, float eps, float* y, int rows, int k, int stride,
                                                  int groups, int ldx, int ldy) {
    const int b = blockIdx.y;
    const int e = grp[2 * b];
    if (e < 0) return;
    gptq_impl<BITS, 4, BITS == 8 ? 2 : 4, FLAGS, ACT, true, !LOADS>(wq[e], tab[e], gidx[e], rowPart[e], gsz, x, xrows + 4 * b,
                                                            nw, eps, y, nullptr, nullptr, rows, k, stride, groups, ldx,
                                                            ldy, grp[2 * b + 1], 0, yrows + 4 * b);
}

// Named gptq_experts_loads_int<bits>[_act][_norm_silu|_silu] and gptq_grouped_loads_int<bits>[...], and without
// _loads_ the STAGED forms (no _act: act-order's table index changes along the row, so its staged kernel would run the
// loads' loop, gptq_impl's TR): the down projection, the gate|up projection with SiLU of the input normed here or of x'
// normed before (matvec_tile_norm_rows).
#define GPTQ_EXPERTS_KERNELS(form, suffix, BITS, FLAGS, ACT, LOADS)                                                  \
    INV_EXTERN void __launch_bounds__(32 * WARPS)                                                                    \
        gptq_experts##form##int##BITS##suffix(const unsigned char* const* wq, const float2* const* tab,              \
                                              const int* const* gidx, const int* const* rowPart, const int* list,    \
                                              int xdiv, int gsz, const float* x, const float* nw, float eps,         \
                                              float* y, int rows, int k, int stride, int groups, int ldx, int ldy) { \
        gptq_experts_impl<BITS, FLAGS, ACT, LOADS>(wq, tab, gidx, rowPart, list, xdiv, gsz, x, nw, eps, y, rows, k,  \
                                                   stride, groups, ldx, ldy);                                        \
    }                                                                                                                \
    INV_EXTERN void __launch_bounds__(32 * WARPS)                                                                    \
        gptq_grouped##form##int##BITS##suffix(const unsigned char* const* wq, const float2* const* tab,              \
                                              const int* const* gidx, const int* const* rowPart, const int* grp,     \
                                              const int* xrows, const int* yrows, int gsz, const float* x,           \
                                              const float* nw, float eps, float* y, int rows, int k, int stride,     \
                                              int groups, int ldx, int ldy) {                                        \
        gptq_grouped_impl<BITS, FLAGS, ACT, LOADS>(wq, tab, gidx, rowPart, grp, xrows, yrows, gsz, x, nw, eps, y,    \
                                                   rows, k, stride, groups, ldx, ldy);                               \
    }
#define GPTQ_EXPERTS_FUSED(form, BITS, act, ACT, LOADS)                            \
    GPTQ_EXPERTS_KERNELS(form, act, BITS, 0, ACT, LOADS)                           \
    GPTQ_EXPERTS_KERNELS(form, act##_norm_silu, BITS, NORM | SILU, ACT, LOADS)     \
    GPTQ_EXPERTS_KERNELS(form, act##_silu, BITS, SILU, ACT, LOADS)

GPTQ_EXPERTS_FUSED(_loads_, 8, , false, true)
GPTQ_EXPERTS_FUSED(_loads_, 8, _act, true, true)
GPTQ_EXPERTS_FUSED(_loads_, 4, , false, true)
GPTQ_EXPERTS_FUSED(_loads_, 4, _act, true, true)
GPTQ_EXPERTS_FUSED(_, 8, , false, false)
GPTQ_EXPERTS_FUSED(_, 4, , false, false)
