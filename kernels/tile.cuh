// What the tile kernels (matvec_tile.cu, gptq_tile.cu) share: cp.async staging, the block's place in the grid, the
// fused norm's 1/rms per token, the input rows' staging, a dense row's rest and tail, and the canonical trees and
// outputs of a warp's dots.
// Moves, plus the trees (numerics.md §2: P[q] + P[q + s] for s = W/2 .. 1, paired as the canonical tree pairs them),
// the norm (§4: inv = 1 / sqrt(canonical dot(x, x) / k + eps), xn[i] = nw[i] * (x[i] * inv)), silu(gate) * up, the
// bias and the residual add, each the same operation as its CPU twin (numerics/RmsNorm, FloatMath.silu, MatMul).
#pragma once

#include "layout.cuh"
#include "numerics.cuh"
#include "rows.cuh"

#define TILE_NORM 1
#define TILE_SILU 2
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

// Value q of a lane's 8-byte half group, widened exactly.
template <typename T> __device__ __forceinline__ float half_value(uint2 u, int q) {
    if constexpr (sizeof(T) == 2) {
        const unsigned v = q < 2 ? u.x : u.y;
        return __uint_as_float((q & 1) ? (v & 0xffff0000u) : (v << 16));
    } else {
        return __uint_as_float(q == 0 ? u.x : u.y);
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

// invs[t] = 1 / rms of the block's TB input rows (tokens t0 + t, past n: the last again), a warp per token (NORM).
template <int TB, int NW>
__device__ __forceinline__ void norm_invs(float* invs, const float* x, const int* xrows, int ldx, int k, int t0, int n,
                                          float eps, int warp, int lane) {
    for (int t = warp; t < TB; t += NW) {
        const int tok = min(t0 + t, n - 1);
        const float* xr = x + (long long)(xrows ? xrows[tok] : tok) * ldx;
        const float ss = inv::warp_dot(xr, xr, k);
        if (lane == 0) invs[t] = inv::inv_sqrt_canon(ss / (float)k + eps);
    }
}

// Copies indices g * KC .. (g + 1) * KC - 1 of the block's TB input rows into xd ([TB][KC], stored order) by cp.async,
// 16 bytes at a time when every row is 16-byte aligned (vec).
template <int TB, int KC, int THREADS>
__device__ __forceinline__ void issue_inputs(float* xd, const float* x, const int* xrows, int ldx, int t0, int n,
                                             int g, bool vec) {
    if (vec) {
        for (int e = threadIdx.x; e < TB * (KC / 4); e += THREADS) {
            const int t = e / (KC / 4), c = e - t * (KC / 4);
            const int tok = min(t0 + t, n - 1);
            cp_async16(xd + t * KC + 4 * c, x + (long long)(xrows ? xrows[tok] : tok) * ldx + g * KC + 4 * c);
        }
    } else {
        for (int e = threadIdx.x; e < TB * KC; e += THREADS) {
            const int t = e / KC, c = e - t * KC;
            const int tok = min(t0 + t, n - 1);
            cp_async4(xd + t * KC + c, x + (long long)(xrows ? xrows[tok] : tok) * ldx + g * KC + c);
        }
    }
}

// The fused norm of landed stage g: xn = nw[g * KC + c] * (x * invs[t]) in place, for every thread of the block.
template <int TB, int KC, int THREADS>
__device__ __forceinline__ void normalise(float* xg, const float* nw, int g, const float* invs) {
    for (int e = threadIdx.x; e < TB * KC; e += THREADS) {
        const int t = e / KC, c = e - t * KC;
        xg[e] = __ldg(nw + g * KC + c) * (xg[e] * invs[t]);
    }
}

// The chunks after the last whole group, then the last k % W indices, read straight from global memory by lanes < w
// into acc (still increasing i per partial, after the staged groups): NORMED applies the fused norm as the staged groups
// got it, xn[i] = nw[i] * (x[i] * invs[t]).
template <typename T, int RW, int TW, bool NORMED>
__device__ __forceinline__ void rest_and_tail(float* acc, const inv::RowLayout& l, int lane, const T* W, int row0w,
                                              int rows, int stride, const float* x, const int* xrows, int ldx,
                                              int t0w, int n, int k, const float* nw, const float* invs) {
    constexpr int GS = 16 / sizeof(T);
    if (lane >= l.w) return;
    const int restBase = l.groups * l.w * GS, tail = l.chunks * l.w;
    const T* wl[RW];
#pragma unroll
    for (int r = 0; r < RW; r++) wl[r] = W + (long long)min(row0w + r, rows - 1) * stride;
    const float* xr[TW];
#pragma unroll
    for (int t = 0; t < TW; t++) {
        const int tok = min(t0w + t, n - 1);
        xr[t] = x + (long long)(xrows ? xrows[tok] : tok) * ldx;
    }
    for (int q = 0; q <= l.rest; q++) {
        const int i = q < l.rest ? l.w * (GS * l.groups + q) + lane : tail + lane;  // q == rest: the tail
        if (i >= k) break;
        const int slot = q < l.rest ? restBase + lane * l.rest + q : tail + lane;
        float xv[TW];
#pragma unroll
        for (int t = 0; t < TW; t++) {
            const float v = __ldg(xr[t] + i);
            xv[t] = NORMED ? __ldg(nw + i) * (v * invs[t]) : v;
        }
#pragma unroll
        for (int r = 0; r < RW; r++) {
            const float wf = inv::widen<T>(wl[r][slot]);
#pragma unroll
            for (int t = 0; t < TW; t++) acc[t * RW + r] = fmaf(xv[t], wf, acc[t * RW + r]);
        }
    }
}

// A warp's RW x TW dots (acc[t * RW + r]: token t0w + t, row row0w + r; lane p holding P[p]) through the canonical
// trees into y: silu(gate) * up of each row pair (SILU), or the dot (+ bias) (+ resid), rows and tokens past the end
// dropped.
template <int RW, int TW, int FLAGS>
__device__ __forceinline__ void store(float* acc, int lane, int w, int t0w, int row0w, int n, int rows, float* y,
                                      int ldy, const float* bias, const float* resid) {
    constexpr int D = RW * TW;
    trees<D>(acc, lane, w);
    // lane l holds dots E * l + j: token (E * l) / RW, rows (E * l) % RW + j (E divides RW, E even: gate/up pairs)
    constexpr int E = D / 32;
    const int d0 = E * lane, tok = t0w + d0 / RW, rb = row0w + d0 % RW;
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

}  // namespace tile
