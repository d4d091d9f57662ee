// An experiment kept with its measurement (docs/benchmarks.md), not used by the engine: a register-tiled kernel for
// projections of many tokens (batches, prefill chunks) on CUDA cores: y[t][o] = canonical dot(W[o], x'[t]) (+ bias[o])
// (+ resid[t][o]) for W in the projection layout of layout.cuh (numerics.md §2, §3, §9).
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1, lane q adding lane q + s (shuffles). Mapping: a block is 32 rows x 8 tokens; a
// warp holds 4 rows x 8 tokens, lane p holding P[p] of all 32 of its dots, so each weight word feeds 8 tokens and each
// input value 4 rows. k is walked one layout group at a time (lane p's next GS weights of a row: one 16-byte load,
// two groups ahead), the group's inputs staged in shared memory token-minor ([k][8], padded) so that lane p reads a
// value's 8 tokens in two 16-byte loads, two tiles in turn. Each dot keeps its own partials in increasing i: how many
// tokens or rows share a block never changes a value; no split depends on the batch.
// Fused steps, each the same operations as its CPU step (and as matvec.cu):
//   NORM:  inv_t = 1 / sqrt(canonical dot(x_t, x_t) / k + eps) (a warp per token, inv::warp_dot), applied while
//          staging: xn[i] = nw[i] * (x[i] * inv_t).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1 (a warp's rows 0,1 and 2,3); h[i] = silu(gate) * up.
//   bias:  one rounded add after the dot; resid: the residual add, last.
// CPU twins: backend/cpu/MatMul.rows (numerics/Dot, PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
#pragma once
#include "../../../kernels/layout.cuh"
#include "../../../kernels/rows.cuh"

#define TILE_NORM 1
#define TILE_SILU 2
#define TILE_TOKENS 8
#define TILE_ROWS 4  // per warp
#define TILE_WARPS 8
#define TILE_XP 12   // floats per staged input index: 8 tokens, padded so lanes' 16-byte reads miss each other's banks
#define TILE_AHEAD 2

namespace {

// A tile of inputs on its way to shared memory: [k0, k0 + len) of the block's 8 tokens, E per thread (len * 8 <= E *
// blockDim.x), loaded before the current tile is multiplied and stored after, so the loads overlap the fmas.
template <int E, int FLAGS> struct Staged {
    float v[E];
    float w[(FLAGS & TILE_NORM) ? E : 1];

    __device__ __forceinline__ void load(const float* const* xr, const float* nw, int k0, int len) {
#pragma unroll
        for (int j = 0; j < E; j++) {
            const int e = threadIdx.x + j * blockDim.x, t = e / len, i = e - t * len;  // consecutive inputs of a token
            if (e < len * TILE_TOKENS) {
                v[j] = __ldg(xr[t] + k0 + i);
                if (FLAGS & TILE_NORM) w[j] = __ldg(nw + k0 + i);
            }
        }
    }

    // xs[(i - k0) * TILE_XP + t], normalised when NORM: xn = nw[i] * (x[i] * inv_t).
    __device__ __forceinline__ void store(float* xs, const float* inv, int len) const {
#pragma unroll
        for (int j = 0; j < E; j++) {
            const int e = threadIdx.x + j * blockDim.x, t = e / len, i = e - t * len;
            if (e < len * TILE_TOKENS) xs[i * TILE_XP + t] = (FLAGS & TILE_NORM) ? w[j] * (v[j] * inv[t]) : v[j];
        }
    }
};

template <typename T, int FLAGS>
__device__ __forceinline__ void tile_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                          float* y, const float* bias, const float* resid, int rows, int k, int stride,
                                          int ldx, int ldy, int n) {
    constexpr int GS = 16 / sizeof(T);
    extern __shared__ float4 tsm4[];
    float* tsm = reinterpret_cast<float*>(tsm4);
    __shared__ const float* xr[TILE_TOKENS];
    __shared__ float inv[TILE_TOKENS];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int kc = l.w * GS;          // inputs per layout group
    const int tileFloats = (kc + l.w) * TILE_XP;  // a group, or the last rest and tail
    float* xs[2] = {tsm, tsm + tileFloats};
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int row0 = (blockIdx.x * TILE_WARPS + warp) * TILE_ROWS;
    const int t0 = blockIdx.y * TILE_TOKENS;
    const bool on = lane < l.w;
    if (threadIdx.x < TILE_TOKENS) {
        const int t = min(t0 + (int)threadIdx.x, n - 1);  // past the batch: recompute the last token, never written
        xr[threadIdx.x] = x + (long long)(xrows ? xrows[t] : t) * ldx;
    }
    __syncthreads();
    if (FLAGS & TILE_NORM) {
        const float* xsrc = xr[warp];  // TILE_WARPS == TILE_TOKENS: a warp per token
        float p = 0.0f;
        const int w = l.w;
        if (lane < w) {
#pragma unroll 8
            for (int i = lane; i < k; i += w) {
                const float v = __ldg(xsrc + i);
                p = fmaf(v, v, p);
            }
        }
#pragma unroll
        for (int s = 16; s >= 1; s >>= 1) {
            const float o = __shfl_down_sync(0xffffffffu, p, s);
            if (s < w) p = p + o;
        }
        if (lane == 0) inv[warp] = inv::inv_sqrt_canon(p / (float)k + eps);
        __syncthreads();
    }

    const T* wr[TILE_ROWS];
#pragma unroll
    for (int r = 0; r < TILE_ROWS; r++) wr[r] = W + (long long)min(row0 + r, rows - 1) * stride + lane * GS;
    float acc[TILE_ROWS][TILE_TOKENS];
#pragma unroll
    for (int r = 0; r < TILE_ROWS; r++) {
#pragma unroll
        for (int t = 0; t < TILE_TOKENS; t++) acc[r][t] = 0.0f;
    }
    uint4 wq[TILE_AHEAD][TILE_ROWS];
#pragma unroll
    for (int a = 0; a < TILE_AHEAD; a++) {
#pragma unroll
        for (int r = 0; r < TILE_ROWS; r++) {
            if (a < l.groups && on) wq[a][r] = __ldg(reinterpret_cast<const uint4*>(wr[r] + (long long)a * kc));
        }
    }
    // a group's inputs: kc * 8 = W * GS * 8 <= GS * 256 values, GS per thread; the last rest and tail: up to W more
    constexpr int E = GS + 1;
    Staged<E, FLAGS> next;
    if (l.groups > 0) {
        next.load(xr, nw, 0, kc);
        next.store(xs[0], inv, kc);
    }
    __syncthreads();
    for (int g = 0; g < l.groups; g++) {
        // the next group's inputs are loaded while this one is multiplied, then stored into the other tile
        if (g + 1 < l.groups) next.load(xr, nw, (g + 1) * kc, kc);
        const float* xt = xs[g & 1] + lane * TILE_XP;
        float w[TILE_ROWS][GS];
#pragma unroll
        for (int r = 0; r < TILE_ROWS; r++) inv::unpack<T>(wq[0][r], w[r]);
#pragma unroll
        for (int a = 0; a + 1 < TILE_AHEAD; a++) {
#pragma unroll
            for (int r = 0; r < TILE_ROWS; r++) wq[a][r] = wq[a + 1][r];
        }
#pragma unroll
        for (int r = 0; r < TILE_ROWS; r++) {
            if (g + TILE_AHEAD < l.groups && on)
                wq[TILE_AHEAD - 1][r] = __ldg(reinterpret_cast<const uint4*>(wr[r] + (long long)(g + TILE_AHEAD) * kc));
        }
        if (on) {
#pragma unroll
            for (int q = 0; q < GS; q++) {
                const float4 a = *reinterpret_cast<const float4*>(xt + q * l.w * TILE_XP);
                const float4 b = *reinterpret_cast<const float4*>(xt + q * l.w * TILE_XP + 4);
                const float xv[TILE_TOKENS] = {a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
                for (int r = 0; r < TILE_ROWS; r++) {
#pragma unroll
                    for (int t = 0; t < TILE_TOKENS; t++) acc[r][t] = fmaf(xv[t], w[r][q], acc[r][t]);
                }
            }
        }
        if (g + 1 < l.groups) next.store(xs[(g + 1) & 1], inv, kc);
        __syncthreads();
    }
    // the chunks after the last whole group, then the last k % W indices: still increasing per partial
    const int restBase = l.groups * kc;
    if (restBase < k) {
        next.load(xr, nw, restBase, k - restBase);
        next.store(xs[0], inv, k - restBase);
        __syncthreads();
        if (on) {
            for (int q = 0; q < l.rest; q++) {
                const float* xv = xs[0] + (q * l.w + lane) * TILE_XP;
#pragma unroll
                for (int r = 0; r < TILE_ROWS; r++) {
                    const float wv = inv::widen<T>(W[(long long)min(row0 + r, rows - 1) * stride + restBase + lane * l.rest + q]);
#pragma unroll
                    for (int t = 0; t < TILE_TOKENS; t++) acc[r][t] = fmaf(xv[t], wv, acc[r][t]);
                }
            }
            const int tail = l.chunks * l.w;
            if (tail + lane < k) {
                const float* xv = xs[0] + (tail - restBase + lane) * TILE_XP;
#pragma unroll
                for (int r = 0; r < TILE_ROWS; r++) {
                    const float wv = inv::widen<T>(W[(long long)min(row0 + r, rows - 1) * stride + tail + lane]);
#pragma unroll
                    for (int t = 0; t < TILE_TOKENS; t++) acc[r][t] = fmaf(xv[t], wv, acc[r][t]);
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < TILE_ROWS; r++) {
#pragma unroll
        for (int t = 0; t < TILE_TOKENS; t++) {
#pragma unroll
            for (int s = 16; s >= 1; s >>= 1) {
                const float o = __shfl_down_sync(0xffffffffu, acc[r][t], s);
                if (s < l.w) acc[r][t] = acc[r][t] + o;
            }
        }
    }
    if (lane != 0) return;
#pragma unroll
    for (int t = 0; t < TILE_TOKENS; t++) {
        if (t0 + t >= n) break;
        const long long yt = (long long)(t0 + t) * ldy;
        if (FLAGS & TILE_SILU) {
#pragma unroll
            for (int r = 0; r < TILE_ROWS; r += 2) {
                if (row0 + r + 1 < rows) y[yt + ((row0 + r) >> 1)] = inv::silu_canon(acc[r][t]) * acc[r + 1][t];
            }
        } else {
#pragma unroll
            for (int r = 0; r < TILE_ROWS; r++) {
                const int row = row0 + r;
                if (row < rows) {
                    float o = acc[r][t];
                    if (bias) o = o + bias[row];
                    if (resid) o = resid[yt + row] + o;
                    y[yt + row] = o;
                }
            }
        }
    }
}

}  // namespace

#define MATVEC_TILE(name, T, FLAGS)                                                                                \
    INV_EXTERN void __launch_bounds__(32 * TILE_WARPS, 2)                                                            \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx, int ldy, int n) {                            \
        tile_impl<T, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx, ldy, n);                   \
    }

// Named matvec_tile_<dtype>[_norm[_silu]]; grid (rows / 32, tokens / 8), 256 threads; shared memory
// 2 * (W * GS + W) * TILE_XP floats (the host computes it from k).
MATVEC_TILE(matvec_tile_bf16, unsigned short, 0)
MATVEC_TILE(matvec_tile_bf16_norm, unsigned short, TILE_NORM)
MATVEC_TILE(matvec_tile_bf16_norm_silu, unsigned short, TILE_NORM | TILE_SILU)
MATVEC_TILE(matvec_tile_f32, float, 0)
MATVEC_TILE(matvec_tile_f32_norm, float, TILE_NORM)
MATVEC_TILE(matvec_tile_f32_norm_silu, float, TILE_NORM | TILE_SILU)
