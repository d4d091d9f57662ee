// y[t][o] = canonical dot(W[o], x'[t]) (+ bias[o]) (+ resid[t][o]) for many tokens at once (batches of >= 32, prefill
// chunks), W [rows, k] in the projection layout of layout.cuh (bf16 or f32): the bits of matvec.cu, with its fusions.
// Canonical order (numerics.md §2): W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in
// increasing i, then the halving tree s = W/2, ..., 1 (P[q] + P[q + s]). Mapping: a block is RB = WR * RW rows x
// TB = WT * TW tokens; each warp holds RW rows x TW tokens and lane p holds P[p] of all RW * TW of its dots, so each
// weight read from shared memory feeds TW tokens and each input RW rows. k is walked one layout group (W * GS indices)
// per pipeline stage: the block's RB weight rows (cp.async, 8 bytes per copy so that a lane's half group is one
// conflict-free 8-byte read) and TB input rows (stored order, lane p reading index p + W * q) land in shared memory
// TILE_STAGES - 1 groups ahead of the one being multiplied. Per partial the fmas still run in increasing i: group by group,
// then the row's rest and tail (read straight from global memory). The tree is a butterfly over shuffles that pairs
// the same partials as the canonical tree (addition commutes exactly), so each step halves the values a lane holds.
// How many rows or tokens share a block, and in which order blocks run, never changes a value: no split of a dot.
// Fused steps, each the same operations as its CPU step (and matvec.cu's):
//   NORM:  inv_t = 1 / sqrt(canonical dot(x_t, x_t) / k + eps), once per token by matvec_tile_rms (a warp per token,
//          inv::warp_dot) rather than by every block, then each staged group normalised in place:
//          xn[i] = nw[i] * (x[i] * inv_t).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1 (within a warp's rows); h[i] = silu(gate) * up, product rounded.
//   bias:  one rounded add after the dot; resid: the residual add, last.
// CPU twins: backend/cpu/MatMul.rows (numerics/Dot, PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
#include "chain.cuh"
#include "layout.cuh"
#include "rows.cuh"

#define TILE_NORM 1
#define TILE_SILU 2
#define TILE_STAGES 3
#define TILE_GROUP_ROWS 16  // row tiles per block group: blocks running together share weights and inputs in L2

namespace tile {

__device__ __forceinline__ void cp_async8(void* dst, const void* src) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src));
}
__device__ __forceinline__ void cp_async16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src));
}
__device__ __forceinline__ void cp_async4(void* dst, const void* src) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src));
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
template <int N> __device__ __forceinline__ void cp_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }

// Value q of a lane's 8-byte half group, widened exactly.
template <typename T> __device__ __forceinline__ float half_value(uint2 u, int q) {
    if constexpr (sizeof(T) == 2) {
        const unsigned v = q < 2 ? u.x : u.y;
        return __uint_as_float((q & 1) ? (v & 0xffff0000u) : (v << 16));
    } else {
        return __uint_as_float(q == 0 ? u.x : u.y);
    }
}

// One step of the tree for M values per lane: lanes l and l ^ S hold the same dots' partials at positions q and q + S
// (q = l mod S); lane l keeps half the dots (the upper half when bit S is set) and receives the partner's partials of
// them. Below the width, P[q] + P[q + S]; at S >= W there is no P[q + S]: the value moves unchanged.
template <int S, int M> __device__ __forceinline__ void tree_step(float* v, int lane, int w) {
    const bool hi = (lane & S) != 0;
#pragma unroll
    for (int j = 0; j < M / 2; j++) {
        const float send = hi ? v[j] : v[j + M / 2];
        const float keep = hi ? v[j + M / 2] : v[j];
        const float o = __shfl_xor_sync(0xffffffffu, send, S);
        v[j] = S < w ? keep + o : (hi ? o : keep);
    }
}

// The canonical trees of a warp's D dots (v[d], lane p holding P[p]): afterwards lane l holds dots D/32 * l + j in v[j].
template <int D> __device__ __forceinline__ void trees(float* v, int lane, int w) {
    tree_step<16, D>(v, lane, w);
    tree_step<8, D / 2>(v, lane, w);
    tree_step<4, D / 4>(v, lane, w);
    tree_step<2, D / 8>(v, lane, w);
    tree_step<1, D / 16>(v, lane, w);
}

// Row tile and token tile of this block: groups of TILE_GROUP_ROWS row tiles, token tiles fastest within a group.
__device__ __forceinline__ void block_tile(int rowTiles, int tokTiles, int& rt, int& tt) {
    const int b = blockIdx.x, perGroup = TILE_GROUP_ROWS * tokTiles;
    const int first = b / perGroup * TILE_GROUP_ROWS, size = min(rowTiles - first, TILE_GROUP_ROWS);
    const int in = b - (b / perGroup) * perGroup;
    rt = first + in % size;
    tt = in / size;
}

template <typename T, int RW, int TW, int WR, int WT, int FLAGS, int STAGES = TILE_STAGES>
__device__ __forceinline__ void tile_impl(const T* W, const float* x, const int* xrows, const float* nw,
                                          const float* rms, float* y, const float* bias, const float* resid, int rows,
                                          int k, int stride, int ldx, int ldy, int n) {
    constexpr int GS = 16 / sizeof(T), HS = GS / 2;  // values per 16-byte load, per 8-byte half
    constexpr int RB = WR * RW, TB = WT * TW, D = RW * TW, THREADS = 32 * WR * WT;
    constexpr int KC = 32 * GS;  // indices per layout group (W = 32 whenever there is a whole group)
    static_assert(D % 64 == 0, "each lane ends with an even number of a warp's dots");
    extern __shared__ float4 tsm4[];
    uint2* ws = reinterpret_cast<uint2*>(tsm4);                          // [stage][RB][half][32 lanes]
    float* xs = reinterpret_cast<float*>(ws + STAGES * RB * 64);   // [stage][TB][KC]
    __shared__ float invs[TB];
    __shared__ const float* xsrc[TB];  // the block's input rows (past n: the last token again)
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rt, tt;
    block_tile((rows + RB - 1) / RB, (n + TB - 1) / TB, rt, tt);
    const int row0 = rt * RB, t0 = tt * TB;
    const int wr0 = (warp % WR) * RW, wt0 = (warp / WR) * TW;  // the warp's rows and tokens within the block

    const bool vec = (ldx & 3) == 0 && (reinterpret_cast<unsigned long long>(x) & 15) == 0;
    // Group g's RB weight rows (past the last row: the last again): thread tid copies piece j = tid % 64 (lane j / 2's
    // half j % 2) of rows tid / 64 + i * RSTEP, the same for every group, so the addresses are worked out once.
    constexpr int RSTEP = THREADS / 64, WCOPIES = RB / RSTEP;
    static_assert(THREADS % 64 == 0 && RB % RSTEP == 0, "whole rows per pass");
    const int wj = threadIdx.x & 63, wr = threadIdx.x >> 6, lastRow = rows - 1 - row0;
    const T* wsrc = W + (long long)row0 * stride + wj * HS;
    uint2* wdst = ws + (wr * 2 + (wj & 1)) * 32 + (wj >> 1);
    auto issueWeights = [&](int g) {
        if (g < l.groups) {
            const T* src = wsrc + (long long)g * KC;
            uint2* dst = wdst + (g % STAGES) * RB * 64;
#pragma unroll
            for (int i = 0; i < WCOPIES; i++) cp_async8(dst + i * RSTEP * 64, src + min(wr + i * RSTEP, lastRow) * stride);
        }
    };
    // and its TB input rows: 16-byte piece c = tid % CPR of rows tid / CPR + i * TSTEP (4-byte pieces when x's rows
    // are not 16-byte aligned).
    constexpr int CPR = KC / 4, TSTEP = THREADS / CPR, XCOPIES = TB / TSTEP;
    static_assert(THREADS % CPR == 0 && TB % TSTEP == 0, "whole input rows per pass");
    const int xc = threadIdx.x % CPR, xt = threadIdx.x / CPR;
    auto issueInputs = [&](int g) {
        if (g < l.groups) {
            float* xd = xs + (g % STAGES) * TB * KC;
            if (vec) {
#pragma unroll
                for (int i = 0; i < XCOPIES; i++) {
                    const int t = xt + i * TSTEP;
                    cp_async16(xd + t * KC + 4 * xc, xsrc[t] + g * KC + 4 * xc);
                }
            } else {
                for (int e = threadIdx.x; e < TB * KC; e += THREADS) {
                    const int t = e / KC, c = e - t * KC;
                    cp_async4(xd + t * KC + c, xsrc[t] + g * KC + c);
                }
            }
        }
    };
    auto issue = [&](int g) {
        issueWeights(g);
        issueInputs(g);
        cp_commit();  // an empty group past the end keeps the count of groups in flight fixed
    };
    // The first groups' weights (constant) are requested before waiting for the kernels this one reads from
    // (chain.cuh); the first commit group holds them all, which only makes the first wait cover more.
#pragma unroll
    for (int g = 0; g < STAGES - 1; g++) issueWeights(g);
    inv::await_inputs();
    inv::release_next();
    if (threadIdx.x < TB) {
        const int tok = min(t0 + (int)threadIdx.x, n - 1);
        xsrc[threadIdx.x] = x + (long long)(xrows ? xrows[tok] : tok) * ldx;
        if (FLAGS & TILE_NORM) invs[threadIdx.x] = rms[tok];
    }
    __syncthreads();
#pragma unroll
    for (int g = 0; g < STAGES - 1; g++) {
        issueInputs(g);
        cp_commit();
    }

    float acc[D];  // acc[t * RW + r]: token wt0 + t, row wr0 + r
#pragma unroll
    for (int d = 0; d < D; d++) acc[d] = 0.0f;
    for (int g = 0; g < l.groups; g++) {
        cp_wait<STAGES - 2>();
        __syncthreads();  // group g has landed for every thread; every warp is done with group g - 1
        issue(g + STAGES - 1);
        const int s = g % STAGES;
        float* xg = xs + s * TB * KC;
        if (FLAGS & TILE_NORM) {
#pragma unroll
            for (int i = 0; i < TB * KC / THREADS; i++) {
                const int e = threadIdx.x + i * THREADS, t = e / KC, c = e % KC;
                xg[e] = __ldg(nw + g * KC + c) * (xg[e] * invs[t]);
            }
            __syncthreads();
        }
        const uint2* wg = ws + s * RB * 64 + wr0 * 64 + lane;
        const float* xl = xg + wt0 * KC + lane;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            uint2 wv[RW];
#pragma unroll
            for (int r = 0; r < RW; r++) wv[r] = wg[(r * 2 + h) * 32];
#pragma unroll
            for (int q = 0; q < HS; q++) {
                float xv[TW];
#pragma unroll
                for (int t = 0; t < TW; t++) xv[t] = xl[t * KC + (h * HS + q) * 32];
#pragma unroll
                for (int r = 0; r < RW; r++) {
                    const float wf = half_value<T>(wv[r], q);
#pragma unroll
                    for (int t = 0; t < TW; t++) acc[t * RW + r] = fmaf(xv[t], wf, acc[t * RW + r]);
                }
            }
        }
    }
    cp_wait<0>();
    __syncthreads();  // invs is ready even without a whole group

    // the chunks after the last whole group, then the last k % W indices: still increasing per partial
    if (lane < l.w) {
        const int restBase = l.groups * l.w * GS, tail = l.chunks * l.w;
        const T* wl[RW];
#pragma unroll
        for (int r = 0; r < RW; r++) wl[r] = W + (long long)min(row0 + wr0 + r, rows - 1) * stride;
        const float* xr[TW];
#pragma unroll
        for (int t = 0; t < TW; t++) xr[t] = xsrc[wt0 + t];
        for (int q = 0; q <= l.rest; q++) {
            const int i = q < l.rest ? l.w * (GS * l.groups + q) + lane : tail + lane;  // q == rest: the tail
            if (i >= k) break;
            const int slot = q < l.rest ? restBase + lane * l.rest + q : tail + lane;
            float xv[TW];
#pragma unroll
            for (int t = 0; t < TW; t++) {
                const float v = __ldg(xr[t] + i);
                xv[t] = (FLAGS & TILE_NORM) ? __ldg(nw + i) * (v * invs[wt0 + t]) : v;
            }
#pragma unroll
            for (int r = 0; r < RW; r++) {
                const float wf = inv::widen<T>(wl[r][slot]);
#pragma unroll
                for (int t = 0; t < TW; t++) acc[t * RW + r] = fmaf(xv[t], wf, acc[t * RW + r]);
            }
        }
    }
    trees<D>(acc, lane, l.w);

    // lane l holds dots E * l + j: token (E * l) / RW, rows (E * l) % RW + j (E divides RW, E even: gate/up pairs)
    constexpr int E = D / 32;
    const int d0 = E * lane, tok = t0 + wt0 + d0 / RW, rb = row0 + wr0 + d0 % RW;
    if (tok >= n) return;
    const long long yt = (long long)tok * ldy;
#pragma unroll
    for (int j = 0; j < E; j++) {
        const int row = rb + j;
        if (FLAGS & TILE_SILU) {
            if ((j & 1) == 0 && row < rows) y[yt + (row >> 1)] = inv::silu_canon(acc[j]) * acc[j + 1];
        } else if (row < rows) {
            float o = acc[j];
            if (bias) o = o + bias[row];
            if (resid) o = resid[yt + row] + o;
            y[yt + row] = o;
        }
    }
}

// Dynamic shared memory of a block: stages x (RB weight rows of one group + TB input rows of one group).
__host__ __device__ constexpr int tile_smem(int rb, int tb, int elemBytes, int stages = TILE_STAGES) {
    return stages * (rb * 512 + tb * 32 * (16 / elemBytes) * 4);
}

}  // namespace tile

#define MATVEC_TILE(name, T, RW, TW, WR, WT, FLAGS, MINB)                                                          \
    INV_EXTERN void __launch_bounds__(32 * WR * WT, MINB)                                                            \
        name(const T* W, const float* x, const int* xrows, const float* nw, const float* rms, float* y,             \
             const float* bias, const float* resid, int rows, int k, int stride, int ldx, int ldy, int n) {         \
        tile::tile_impl<T, RW, TW, WR, WT, FLAGS>(W, x, xrows, nw, rms, y, bias, resid, rows, k, stride, ldx, ldy, \
                                                  n);                                                               \
    }

// rms[t] = 1 / sqrt(canonical dot(x_t, x_t) / k + eps) for the n input rows (xrows[t] of x, or t): a warp per token,
// 8 per block. The NORM tiles read it (the bits of matvec.cu's staging, computed once per token, not per block).
INV_EXTERN void __launch_bounds__(256) matvec_tile_rms(const float* x, const int* xrows, int ldx, int k, float eps,
                                                       float* rms, int n) {
    inv::await_inputs();
    inv::release_next();
    const int t = blockIdx.x * 8 + (threadIdx.x >> 5);
    if (t >= n) return;  // a whole warp: warp_dot's shuffles see every lane of the ones that go on
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
    const float ss = inv::warp_dot(xr, xr, k);
    if ((threadIdx.x & 31) == 0) rms[t] = inv::inv_sqrt_canon(ss / (float)k + eps);
}

// Named matvec_tile_<dtype>[_norm[_silu]]_<RB>x<TB>: RB rows x TB tokens per block, a 1-D grid of
// ceil(rows / RB) * ceil(n / TB) blocks, tile::tile_smem(RB, TB, sizeof(T)) bytes of dynamic shared memory; rms
// (NORM only) is matvec_tile_rms's output for the same rows.
#define MATVEC_TILE_ALL(dt, T, RW, TW, WR, WT, MINB, shape)                                           \
    MATVEC_TILE(matvec_tile_##dt##_##shape, T, RW, TW, WR, WT, 0, MINB)                              \
    MATVEC_TILE(matvec_tile_##dt##_norm_##shape, T, RW, TW, WR, WT, TILE_NORM, MINB)                 \
    MATVEC_TILE(matvec_tile_##dt##_norm_silu_##shape, T, RW, TW, WR, WT, TILE_NORM | TILE_SILU, MINB)

// 64 x 16: warps of 16 rows x 8 tokens, 4 x 2 of them; 32 x 16: warps of 8 x 8, 4 x 2 (twice the blocks, for
// projections with few rows). Measured against 32 x 32, 16 x 16, 16 x 32 and 32 x 8 (docs/benchmarks.md).
MATVEC_TILE_ALL(bf16, unsigned short, 16, 8, 4, 2, 1, 64x16)
MATVEC_TILE_ALL(bf16, unsigned short, 8, 8, 4, 2, 1, 32x16)
MATVEC_TILE_ALL(f32, float, 16, 8, 4, 2, 1, 64x16)
MATVEC_TILE_ALL(f32, float, 8, 8, 4, 2, 1, 32x16)
