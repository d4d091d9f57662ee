// y[t][o] = canonical dot(W[o], x'[t]) (+ bias[o]) (+ resid[t][o]) for many tokens at once (batches of >= 16, prefill
// chunks), W [rows, k] in the projection layout of layout.cuh (bf16 or f32): the bits of matvec.cu, with its fusions.
// Canonical order (numerics.md §2): W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in
// increasing i, then the halving tree s = W/2, ..., 1 (P[q] + P[q + s]). Mapping: a block is RB = WR * RW rows x
// TB = WT * TW tokens; each warp holds RW rows x TW tokens and lane p holds P[p] of all RW * TW of its dots, so each
// weight read from shared memory feeds TW tokens and each input RW rows. k is walked one layout group (W * GS indices)
// per pipeline stage: the block's RB weight rows (cp.async, 8 bytes per copy so that a lane's half group is one
// conflict-free 8-byte read) and TB input rows (stored order, lane p reading index p + W * q) land in shared memory
// STAGES - 1 groups ahead of the one being multiplied. Per partial the fmas still run in increasing i: group by group,
// then the row's rest and tail (read straight from global memory). The tree is a butterfly over shuffles that pairs
// the same partials as the canonical tree (addition commutes exactly), so each step halves the values a lane holds.
// How many rows or tokens share a block, and in which order blocks run, never changes a value: no split of a dot.
// Fused steps, each the same operations as its CPU step (and matvec.cu's):
//   NORM:  inv_t = 1 / sqrt(canonical dot(x_t, x_t) / k + eps) (a warp per token, inv::warp_dot), then each staged
//          group normalised in place: xn[i] = nw[i] * (x[i] * inv_t).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1 (within a warp's rows); h[i] = silu(gate) * up, product rounded.
//   bias:  one rounded add after the dot; resid: the residual add, last.
// Two ways to stage the groups, the same values: tile_impl here (the block's threads copy by cp.async, the norm applied
// per staged group, a block barrier per group) and tile_bulk_impl (tile_bulk.cuh: the copy engine fills a ring of
// slots counted on mbarriers, the norm staged first by matvec_tile_norm_rows; the engine's default, 1.5x faster per
// Qwen1.5-14B layer, docs/benchmarks.md).
// CPU twins: backend/cpu/MatMul.rows (numerics/Dot, PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
#include "layout.cuh"
#include "rows.cuh"
#include "tile.cuh"
#include "tile_bulk.cuh"

#define TILE_STAGES 3

namespace tile {

template <typename T, int RW, int TW, int WR, int WT, int FLAGS>
__device__ __forceinline__ void tile_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                          float* y, const float* bias, const float* resid, int rows, int k, int stride,
                                          int ldx, int ldy, int n) {
    constexpr int GS = 16 / sizeof(T), HS = GS / 2;  // values per 16-byte load, per 8-byte half
    constexpr int RB = WR * RW, TB = WT * TW, D = RW * TW, THREADS = 32 * WR * WT;
    constexpr int KC = 32 * GS;  // indices per layout group (W = 32 whenever there is a whole group)
    static_assert(D % 64 == 0, "each lane ends with an even number of a warp's dots");
    extern __shared__ float4 tsm4[];
    uint2* ws = reinterpret_cast<uint2*>(tsm4);                          // [stage][RB][half][32 lanes]
    float* xs = reinterpret_cast<float*>(ws + TILE_STAGES * RB * 64);   // [stage][TB][KC]
    __shared__ float invs[TB];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rt, tt;
    block_tile((rows + RB - 1) / RB, (n + TB - 1) / TB, rt, tt);
    const int row0 = rt * RB, t0 = tt * TB;
    const int wr0 = (warp % WR) * RW, wt0 = (warp / WR) * TW;  // the warp's rows and tokens within the block

    if (FLAGS & TILE_NORM) norm_invs<TB, WR * WT>(invs, x, xrows, ldx, k, t0, n, eps, warp, lane);
    const bool vec = (ldx & 3) == 0 && (reinterpret_cast<unsigned long long>(x) & 15) == 0;
    // Group g's RB weight rows (past the last row: the last again) and TB input rows (past n: the last token again).
    auto issue = [&](int g) {
        if (g < l.groups) {
            const int s = g % TILE_STAGES;
            for (int e = threadIdx.x; e < RB * 64; e += THREADS) {
                const int r = e >> 6, j = e & 63;  // j: lane j / 2's half j % 2
                const T* src = W + (long long)min(row0 + r, rows - 1) * stride + (long long)g * KC + j * HS;
                cp_async8(ws + ((s * RB + r) * 2 + (j & 1)) * 32 + (j >> 1), src);
            }
            issue_inputs<TB, KC, THREADS>(xs + s * TB * KC, x, xrows, ldx, t0, n, g, vec);
        }
        cp_commit();  // an empty group past the end keeps the count of groups in flight fixed
    };
#pragma unroll
    for (int g = 0; g < TILE_STAGES - 1; g++) issue(g);

    float acc[D];  // acc[t * RW + r]: token wt0 + t, row wr0 + r
#pragma unroll
    for (int d = 0; d < D; d++) acc[d] = 0.0f;
    for (int g = 0; g < l.groups; g++) {
        cp_wait<TILE_STAGES - 2>();
        __syncthreads();  // group g has landed for every thread; every warp is done with group g - 1
        issue(g + TILE_STAGES - 1);
        const int s = g % TILE_STAGES;
        float* xg = xs + s * TB * KC;
        if (FLAGS & TILE_NORM) {
            normalise<TB, KC, THREADS>(xg, nw, g, invs);
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
    rest_and_tail<T, RW, TW, (FLAGS & TILE_NORM) != 0>(acc, l, lane, W, row0 + wr0, rows, stride, x, xrows, ldx,
                                                        t0 + wt0, n, k, nw, invs + wt0);
    store<RW, TW, FLAGS>(acc, lane, l.w, t0 + wt0, row0 + wr0, n, rows, y, ldy, bias, resid);
}

// Dynamic shared memory of a block: TILE_STAGES x (RB weight rows of one group + TB input rows of one group).
__host__ __device__ constexpr int tile_smem(int rb, int tb, int elemBytes) {
    return TILE_STAGES * (rb * 512 + tb * 32 * (16 / elemBytes) * 4);
}

}  // namespace tile

#define MATVEC_TILE(name, T, RW, TW, WR, WT, FLAGS, MINB)                                                          \
    INV_EXTERN void __launch_bounds__(32 * WR * WT, MINB)                                                            \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx, int ldy, int n) {                            \
        tile::tile_impl<T, RW, TW, WR, WT, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx, ldy, \
                                                  n);                                                               \
    }

// Named matvec_tile_<dtype>[_norm[_silu]]_<RB>x<TB>: RB rows x TB tokens per block, a 1-D grid of
// ceil(rows / RB) * ceil(n / TB) blocks, tile::tile_smem(RB, TB, sizeof(T)) bytes of dynamic shared memory.
#define MATVEC_TILE_ALL(dt, T, RW, TW, WR, WT, MINB, shape)                                           \
    MATVEC_TILE(matvec_tile_##dt##_##shape, T, RW, TW, WR, WT, 0, MINB)                              \
    MATVEC_TILE(matvec_tile_##dt##_norm_##shape, T, RW, TW, WR, WT, TILE_NORM, MINB)                 \
    MATVEC_TILE(matvec_tile_##dt##_norm_silu_##shape, T, RW, TW, WR, WT, TILE_NORM | TILE_SILU, MINB)

// 64 x 16: warps of 16 rows x 8 tokens, 4 x 2 of them: the fastest of the shapes measured (docs/benchmarks.md).
MATVEC_TILE_ALL(bf16, unsigned short, 16, 8, 4, 2, 1, 64x16)
MATVEC_TILE_ALL(f32, float, 16, 8, 4, 2, 1, 64x16)

// The bulk-staged tiles (tile_bulk_impl), norm-free (x' staged by matvec_tile_norm_rows): named
// matvec_tile_bulk_<dtype>[_silu]_<shape>, tile::BulkSmem<rows, 16, KC, 4>::BYTES of dynamic shared memory (KC = 256
// for bf16, 128 for f32). Warps of RW rows x TW tokens, WR x WT of them, MINB blocks per multiprocessor.
#define MATVEC_TILE_BULK(name, T, FLAGS, RW, TW, WR, WT, MINB)                                                     \
    INV_EXTERN void __launch_bounds__(32 * (WR) * (WT), MINB)                                                      \
        name(const T* W, const float* x, const int* xrows, float* y, const float* bias, const float* resid, int rows, \
             int k, int stride, int ldx, int ldy, int n) {                                                          \
        tile::tile_bulk_impl<T, RW, TW, WR, WT, FLAGS, TILE_BULK_SLOTS>(W, x, xrows, y, bias, resid, rows, k, stride,  \
                                                                       ldx, ldy, n);                               \
    }
#define MATVEC_TILE_BULK_ALL(shape, RW, TW, WR, WT, MINB)                                                          \
    MATVEC_TILE_BULK(matvec_tile_bulk_bf16_##shape, unsigned short, 0, RW, TW, WR, WT, MINB)                        \
    MATVEC_TILE_BULK(matvec_tile_bulk_bf16_silu_##shape, unsigned short, TILE_SILU, RW, TW, WR, WT, MINB)           \
    MATVEC_TILE_BULK(matvec_tile_bulk_f32_##shape, float, 0, RW, TW, WR, WT, MINB)                                  \
    MATVEC_TILE_BULK(matvec_tile_bulk_f32_silu_##shape, float, TILE_SILU, RW, TW, WR, WT, MINB)
// 64 x 16: the threads' tiles' shape.
MATVEC_TILE_BULK_ALL(64x16, 16, 8, 4, 2, 1)
// 16 x 16 (warps of 8 rows x 8 tokens, 2 x 2 of them; two blocks per multiprocessor): for projections whose 64 x 16
// grid leaves most multiprocessors idle (a small model's o and down at 64 tokens: 56 blocks of 64 x 16 on 132
// multiprocessors); the same template, so the same bits. Measured on an H200 (bench/device/kernels/tiles.cu,
// 2026-12-05): Qwen2.5-0.5B at 64 tokens, o 9.1 us against 12.0 (64 x 16) and 14.9 (the token groups), down 28.4
// against 43.0 and 45.3.
MATVEC_TILE_BULK_ALL(16x16, 8, 8, 2, 2, 2)

// x'[t] = nw * (x[xrows[t]] * inv_t) of n tokens into rows of ldn floats: one block of 256 threads per token.
INV_EXTERN void __launch_bounds__(256) matvec_tile_norm_rows(const float* x, const int* xrows, int ldx, const float* nw,
                                                             float eps, float* xn, int ldn, int k) {
    tile::norm_rows_impl(x, xrows, ldx, nw, eps, xn, ldn, k);
}
