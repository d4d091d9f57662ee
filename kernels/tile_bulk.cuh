// The many-token projection of matvec_tile.cu (same canonical order, numerics.md §2: W = 32 partials, P[i mod W] =
// fmaf(x[i], w[i], P[i mod W]) in increasing i, then the halving tree; same mapping of dots to lanes, same rest, tail,
// trees and fusions), with each layout group's weight rows and input rows brought by the copy engine
// (cp.async.bulk) into a ring of shared-memory slots instead of by the block's threads: no per-element copy
// instructions and no block barrier per group. The fused norm is a pass of its own before it (norm_rows_impl, the
// same operations as tile_impl's NORM: numerics.md §4). CPU twins: backend/cpu/MatMul.rows (numerics/Dot,
// PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
#pragma once

#include "layout.cuh"
#include "stream.cuh"
#include "tile.cuh"

#define TILE_BULK_SLOTS 4  // tile_bulk_impl's ring: group g + 2 requested while group g is multiplied

namespace tile {

// Each group's RB weight rows (512 bytes each, one layout group) and TB input rows (KC floats each) are brought by
// cp.async.bulk into a ring of S slots, each slot's arrival counted on its own mbarrier (full) and its release by the
// block's warps on another (empty), so warps wait for each other only through the ring. Group g + 2 is requested while
// group g is multiplied, into the slot group g - 2 used. The input rows are read as given (a fused norm staged first by
// norm_rows_impl); x 16-byte aligned, ldx a multiple of 4 (the copy engine's rule). Per partial the fmas still run in
// increasing i, so the bits are tile_impl's.
template <int RB, int TB, int KC, int S> struct BulkSmem {
    static constexpr int WBYTES = RB * 512, XBYTES = TB * KC * 4, BYTES = S * (WBYTES + XBYTES);
};

template <typename T, int RW, int TW, int WR, int WT, int FLAGS, int S>
__device__ __forceinline__ void tile_bulk_impl(const T* W, const float* x, const int* xrows, float* y,
                                               const float* bias, const float* resid, int rows, int k, int stride,
                                               int ldx, int ldy, int n) {
    constexpr int GS = 16 / sizeof(T), HS = GS / 2;
    constexpr int RB = WR * RW, TB = WT * TW, D = RW * TW, NW = WR * WT;
    constexpr int KC = 32 * GS;
    using Sm = BulkSmem<RB, TB, KC, S>;
    static_assert(RB + TB <= 32 * NW, "one copy per thread and group");
    static_assert(S >= 3, "group g + 2 goes into the slot of group g - 2");
    extern __shared__ float4 tsm4[];
    char* base = reinterpret_cast<char*>(tsm4);
    __shared__ unsigned long long full[S], empty[S];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rt, tt;
    block_tile((rows + RB - 1) / RB, (n + TB - 1) / TB, rt, tt);
    const int row0 = rt * RB, t0 = tt * TB;
    const int wr0 = (warp % WR) * RW, wt0 = (warp / WR) * TW;
    if (threadIdx.x == 0) {
        for (int s = 0; s < S; s++) {
            inv::mbar_init(&full[s]);
            asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(inv::saddr(&empty[s])), "r"(NW) : "memory");
        }
        asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    }
    __syncthreads();
    // This thread's copy each group: weight row i (i < RB) or input row i - RB (i < RB + TB), the copies dealt out
    // over every warp's first lanes (each warp issues a share and waits for the slot's release: measured faster than
    // the first three warps issuing them all, docs/benchmarks.md).
    constexpr int IPW = (RB + TB + NW - 1) / NW;
    const int i = lane < IPW ? warp * IPW + lane : RB + TB;
    const char* src = nullptr;
    char* dst = nullptr;
    unsigned bytes = 0;
    if (i < RB) {
        src = reinterpret_cast<const char*>(W + (long long)min(row0 + i, rows - 1) * stride);
        dst = base + i * 512;
        bytes = 512;
    } else if (i < RB + TB) {
        const int tok = min(t0 + i - RB, n - 1);
        src = reinterpret_cast<const char*>(x + (long long)(xrows ? xrows[tok] : tok) * ldx);
        dst = base + S * Sm::WBYTES + (i - RB) * KC * 4;
        bytes = KC * 4;
    }
    const int slotStride = i < RB ? Sm::WBYTES : Sm::XBYTES;
    auto issue = [&](int g) {  // group g into slot g % S, by the copying threads
        if (g < l.groups) {
            const int s = g % S;
            if (i == 0) inv::mbar_expect(&full[s], Sm::WBYTES + Sm::XBYTES);
            if (bytes) inv::bulk_copy(dst + s * slotStride, src + (long long)g * bytes, bytes, &full[s]);
        }
    };
    issue(0);
    issue(1);

    float acc[D];
#pragma unroll
    for (int d = 0; d < D; d++) acc[d] = 0.0f;
    for (int g = 0; g < l.groups; g++) {
        const int s = g % S;
        if (g + 2 < l.groups) {
            if (g + 2 >= S) {  // the slot's previous group, g + 2 - S, read by every warp
                const int pg = g + 2 - S;
                inv::mbar_wait(&empty[pg % S], (pg / S) & 1);
                inv::slot_release();
            }
            issue(g + 2);
        }
        inv::mbar_wait(&full[s], (g / S) & 1);
        const uint4* wg = reinterpret_cast<const uint4*>(base + s * Sm::WBYTES + wr0 * 512) + lane;
        const float* xl = reinterpret_cast<const float*>(base + S * Sm::WBYTES + s * Sm::XBYTES) + wt0 * KC + lane;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            uint2 wv[RW];
#pragma unroll
            for (int r = 0; r < RW; r++) {
                const uint4 u = wg[r * 32];
                wv[r] = h == 0 ? make_uint2(u.x, u.y) : make_uint2(u.z, u.w);
            }
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
        __syncwarp();
        if (lane == 0) asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(inv::saddr(&empty[s])) : "memory");
    }

    // the chunks after the last whole group, then the last k % W indices: still increasing per partial
    rest_and_tail<T, RW, TW, false>(acc, l, lane, W, row0 + wr0, rows, stride, x, xrows, ldx, t0 + wt0, n, k, nullptr,
                                    nullptr);
    store<RW, TW, FLAGS>(acc, lane, l.w, t0 + wt0, row0 + wr0, n, rows, y, ldy, bias, resid);
}

// x'[t] = nw * (x[t] * inv_t), inv_t = 1 / sqrt(canonical dot(x_t, x_t) / k + eps) (numerics.md §4, the fused norm's
// values exactly), one block per token, into xn (rows of ldn floats) for tile_bulk_impl.
__device__ __forceinline__ void norm_rows_impl(const float* x, const int* xrows, int ldx, const float* nw, float eps,
                                               float* xn, int ldn, int k) {
    __shared__ float inv_t;
    const int t = blockIdx.x;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
    if (threadIdx.x < 32) {
        const float ss = inv::warp_dot(xr, xr, k);
        if (threadIdx.x == 0) inv_t = inv::inv_sqrt_canon(ss / (float)k + eps);
    }
    __syncthreads();
    for (int c = threadIdx.x; c < k; c += blockDim.x) xn[(long long)t * ldn + c] = __ldg(nw + c) * (xr[c] * inv_t);
}

}  // namespace tile
