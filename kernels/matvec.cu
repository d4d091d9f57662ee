// y[t][o] = canonical dot(W[o], x[t]) (+ bias[o]) (+ resid[t][o]) for W [rows, k] stored in the projection layout of
// layout.cuh (bf16 or f32): every projection of the step (numerics.md §2, §3, §9).
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1. Mapping: a warp per weight row (R = 4 rows for token groups); lane p holds P[p]
// of each of its rows and of each of the block's TG tokens and takes its indices p, p + W, ... in increasing order:
// one 16-byte load brings its next GS weights (the layout puts them together), several loads ahead of the one being
// multiplied. The tree is lane q adding lane q + s
// (shuffles), as inv::warp_dot. Each token keeps its own partials, so how many tokens share a block (TG), and how
// many rows a block takes, never changes a value; no split depends on the batch.
// The block's input rows are staged once in shared memory in stored order (RMSNorm'ed there when NORM); lane p reads
// its x values at a stride of W floats, free of bank conflicts. A block may prefetch the next projection's weights into
// L2 (cp.async.bulk.prefetch): that moves no value and changes no order.
// Fused steps, each the same operations as its CPU step:
//   NORM:  inv = 1 / sqrt(canonical dot(x, x) / k + eps) (one warp, inv::warp_dot), xn[i] = nw[i] * (x[i] * inv).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1 (warps 2i, 2i+1); h[i] = silu(gate) * up, product rounded (§5, §9).
//   bias:  one rounded add after the dot; resid: the residual add, last.
// CPU twins: backend/cpu/MatMul.rows (numerics/Dot, PartialTree), numerics/RmsNorm.apply, FloatMath.silu.
#include "chain.cuh"
#include "layout.cuh"
#include "rows.cuh"

#define NORM 1
#define SILU 2
#define MAX_WARPS 8
#define AHEAD 8

namespace {

// This block's share of the next projection's weights, pulled into L2 in pieces of at most 64 KiB.
__device__ __forceinline__ void prefetch_share(const char* next, long long bytes) {
    if (next == nullptr || bytes <= 0 || blockIdx.y != 0 || threadIdx.x != 0) return;
    const long long share = ((bytes + gridDim.x - 1) / gridDim.x + 15) & ~15LL;
    long long lo = share * blockIdx.x;
    const long long hi = min(bytes, lo + share) & ~15LL;
    for (; lo < hi; lo += 65536) {
        const unsigned piece = (unsigned)min(65536LL, hi - lo);
        asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(next + lo), "r"(piece) : "memory");
    }
}

// The output row of the block's token t: t itself, or yrows[t] (a mixture's grouped pairs).
__device__ __forceinline__ int out_row(const int* yrows, int t) { return yrows ? yrows[t] : t; }

// R rows per warp (R > 1: each x value read from shared memory feeds R fmas, for many tokens), TG tokens per block.
template <typename T, int TG, int R, int FLAGS>
__device__ __forceinline__ void matvec_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                            float* y, const float* bias, const float* resid, int rows, int k,
                                            int stride, int ldx, int ldy, int n, const char* next, long long nextBytes,
                                            int t0, const int* yrows) {
    constexpr int GS = 16 / sizeof(T);
    constexpr int A = R == 1 ? AHEAD : 2;  // loads in flight per row
    extern __shared__ float4 xs4[];
    float* xs = reinterpret_cast<float*>(xs4);  // TG input rows of xst floats, in stored order
    __shared__ float invs[TG];
    __shared__ float res[MAX_WARPS][TG];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int xst = (k + 3) & ~3;
    const int warps = blockDim.x >> 5;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int row0 = (blockIdx.x * warps + warp) * R;
    const bool on = lane < l.w;
    const T* wr[R];
#pragma unroll
    for (int r = 0; r < R; r++) wr[r] = W + (long long)min(row0 + r, rows - 1) * stride;  // past the end: reread the last

    // The first weights of every row are requested before anything waits.
    uint4 cur[R][A];
#pragma unroll
    for (int u = 0; u < A; u++) {
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (u < l.groups) cur[r][u] = inv::ld_stream(wr[r] + lane * GS + (long long)u * l.w * GS);
        }
    }
    const int restBase = l.groups * l.w * GS;
    const int tail = l.chunks * l.w;
    float restw[R == 1 ? GS - 1 : 1];
    if (R == 1) {
#pragma unroll
        for (int q = 0; q < GS - 1; q++) restw[q] = on && q < l.rest ? inv::widen<T>(wr[0][restBase + lane * l.rest + q]) : 0.0f;
    }
    prefetch_share(next, nextBytes);
    // the first weights are on their way; what the kernels before this one write is read only from here on
    inv::await_inputs();
    inv::release_next();

    inv::stage_rows<TG, (FLAGS & NORM) != 0>(xs, invs, x, xrows, ldx, k, xst, t0, n, nw, eps);

    // Lane p's index for value q of group gi is W * (GS * gi + q) + p: in x (stored order) a stride of W floats,
    // which the warp reads without bank conflicts.
    float acc[R][TG];
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int g = 0; g < TG; g++) acc[r][g] = 0.0f;
    }
    const float* xl = xs + lane;
    for (int g0 = 0; g0 < l.groups; g0 += A) {
#pragma unroll
        for (int u = 0; u < A; u++) {
            const int gi = g0 + u;
            if (gi < l.groups) {
                float w[R][GS];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    inv::unpack<T>(cur[r][u], w[r]);
                    if (gi + A < l.groups) cur[r][u] = inv::ld_stream(wr[r] + lane * GS + (long long)(gi + A) * l.w * GS);
                }
                const float* xg = xl + gi * GS * l.w;
#pragma unroll
                for (int g = 0; g < TG; g++) {
#pragma unroll
                    for (int q = 0; q < GS; q++) {
                        const float xv = xg[g * xst + q * l.w];
#pragma unroll
                        for (int r = 0; r < R; r++) acc[r][g] = fmaf(xv, w[r][q], acc[r][g]);
                    }
                }
            }
        }
    }
    if (on) {
        // the chunks after the last whole group, then the last k % W indices: still increasing per partial
        const float* xg = xl + l.groups * GS * l.w;
#pragma unroll
        for (int q = 0; q < GS - 1; q++) {
            if (q < l.rest) {
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const float w = R == 1 ? restw[q] : inv::widen<T>(wr[r][restBase + lane * l.rest + q]);
#pragma unroll
                    for (int g = 0; g < TG; g++) acc[r][g] = fmaf(xg[g * xst + q * l.w], w, acc[r][g]);
                }
            }
        }
        if (tail + lane < k) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const float w = inv::widen<T>(wr[r][tail + lane]);
#pragma unroll
                for (int g = 0; g < TG; g++) acc[r][g] = fmaf(xs[g * xst + tail + lane], w, acc[r][g]);
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
                if (s < l.w) acc[r][g] = acc[r][g] + o;
            }
        }
    }
    if (FLAGS & SILU) {
        if (R == 1) {
            // gate_i and up_i are the rows of warps 2i and 2i + 1: they meet in shared memory
            if (lane == 0) {
#pragma unroll
                for (int g = 0; g < TG; g++) res[warp][g] = acc[0][g];
            }
            __syncthreads();
            if ((warp & 1) == 0 && lane < TG && row0 < rows && t0 + lane < n) {
                y[(long long)out_row(yrows, t0 + lane) * ldy + (row0 >> 1)] =
                    inv::silu_canon(res[warp][lane]) * res[warp + 1][lane];
            }
        } else if (lane == 0) {
#pragma unroll
            for (int r = 0; r + 1 < R; r += 2) {
#pragma unroll
                for (int g = 0; g < TG; g++) {
                    if (row0 + r < rows && t0 + g < n) {
                        y[(long long)out_row(yrows, t0 + g) * ldy + ((row0 + r) >> 1)] =
                            inv::silu_canon(acc[r][g]) * acc[r + 1][g];
                    }
                }
            }
        }
    } else if (lane == 0) {
#pragma unroll
        for (int r = 0; r < R; r++) {
            const int row = row0 + r;
#pragma unroll
            for (int g = 0; g < TG; g++) {
                if (row < rows && t0 + g < n) {
                    float o = acc[r][g];
                    if (bias) o = o + bias[row];
                    const long long yo = (long long)out_row(yrows, t0 + g) * ldy + row;
                    if (resid) o = resid[yo] + o;
                    y[yo] = o;
                }
            }
        }
    }
}

}  // namespace

#define MATVEC(name, T, TG, R, FLAGS, MINB)                                                                      \
    INV_EXTERN void __launch_bounds__(32 * MAX_WARPS, MINB)                                                        \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx, int ldy, int n, const char* next,            \
             long long nextBytes) {                                                                              \
        matvec_impl<T, TG, R, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx, ldy, n, next,   \
                                     nextBytes, blockIdx.y * TG, nullptr);                                       \
    }

// Named matvec_<dtype>[_norm[_silu]]_t<tokens per block>; one token: a row per warp; 4 tokens: 4 rows per warp
// (measured: 8 tokens per block ran slower, 145 registers leave one block per multiprocessor).
#define MATVEC_ALL(dt, T, TG, R, MINB)                             \
    MATVEC(matvec_##dt##_t##TG, T, TG, R, 0, MINB)                 \
    MATVEC(matvec_##dt##_norm_t##TG, T, TG, R, NORM, MINB)         \
    MATVEC(matvec_##dt##_norm_silu_t##TG, T, TG, R, NORM | SILU, MINB)

MATVEC_ALL(bf16, unsigned short, 1, 1, 2)
MATVEC_ALL(bf16, unsigned short, 4, 4, 1)
MATVEC_ALL(f32, float, 1, 1, 2)
MATVEC_ALL(f32, float, 4, 4, 1)

// A mixture of experts' chosen experts (numerics.md §9.1; CPU twin backend/cpu/Experts.run): pair p = blockIdx.y is
// token p / k's (p % k)-th choice, its expert e = list[p] (moe_route's ascending list), W = weights[e]; input row
// p / xdiv (k for the gate|up projection of the token's input, 1 for the down projection of the pair's own h row),
// output row p. Each pair's rows are matvec_impl's of one token, a warp per row: the same operations as the dense
// projection of that expert, whoever else is in the batch. Launched without the programmatic attribute: the weights'
// address comes from the list the step wrote, so nothing is requested before the kernels before it have finished.
template <typename T, int FLAGS>
__device__ __forceinline__ void matvec_experts_impl(const T* const* weights, const int* list, int xdiv,
                                                    const float* x, const float* nw, float eps, float* y, int rows,
                                                    int k, int stride, int ldx, int ldy) {
    const int p = blockIdx.y;
    matvec_impl<T, 1, 1, FLAGS>(weights[list[p]], x + (long long)(p / xdiv) * ldx, nullptr, nw, eps,
                                y + (long long)p * ldy, nullptr, nullptr, rows, k, stride, ldx, ldy, 1, nullptr, 0, 0,
                                nullptr);
}

// A mixture's chosen experts grouped by expert (moe_group): block row b is group b of up to 4 pairs of one expert
// (groups[2b] the expert, -1 for none; groups[2b + 1] its pairs), its input rows xrows[4b ..] (the pairs' tokens for
// gate|up, the pairs themselves for down) and output rows yrows[4b ..] (the pairs). matvec_impl's token groups: 4 rows
// a warp, each weight read once for the group's tokens, each (token, row) dot the same operations as alone.
template <typename T, int FLAGS>
__device__ __forceinline__ void matvec_grouped_impl(const T* const* weights, const int* groups, const int* xrows,
                                                    const int* yrows, const float* x, const float* nw, float eps,
                                                    float* y, int rows, int k, int stride, int ldx, int ldy) {
    const int b = blockIdx.y;
    const int e = groups[2 * b];
    if (e < 0) return;
    matvec_impl<T, 4, 4, FLAGS>(weights[e], x, xrows + 4 * b, nw, eps, y, nullptr, nullptr, rows, k, stride, ldx, ldy,
                                groups[2 * b + 1], nullptr, 0, 0, yrows + 4 * b);
}

// Named matvec_experts_<dtype>[_norm_silu|_silu] and matvec_grouped_<dtype>[...]: the down projection, the gate|up
// projection with SiLU of the input normed here or of x' normed before (matvec_tile_norm_rows).
#define MATVEC_MIXTURE(dt, T, suffix, FLAGS)                                                                      \
    INV_EXTERN void __launch_bounds__(32 * MAX_WARPS, 2)                                                           \
        matvec_experts_##dt##suffix(const T* const* weights, const int* list, int xdiv, const float* x,            \
                                    const float* nw, float eps, float* y, int rows, int k, int stride, int ldx,     \
                                    int ldy) {                                                                     \
        matvec_experts_impl<T, FLAGS>(weights, list, xdiv, x, nw, eps, y, rows, k, stride, ldx, ldy);             \
    }                                                                                                              \
    INV_EXTERN void __launch_bounds__(32 * MAX_WARPS, 1)                                                           \
        matvec_grouped_##dt##suffix(const T* const* weights, const int* groups, const int* xrows,                  \
                                    const int* yrows, const float* x, const float* nw, float eps, float* y,        \
                                    int rows, int k, int stride, int ldx, int ldy) {                               \
        matvec_grouped_impl<T, FLAGS>(weights, groups, xrows, yrows, x, nw, eps, y, rows, k, stride, ldx, ldy);  \
    }

MATVEC_MIXTURE(bf16, unsigned short, , 0)
MATVEC_MIXTURE(bf16, unsigned short, _norm_silu, NORM | SILU)
MATVEC_MIXTURE(bf16, unsigned short, _silu, SILU)
MATVEC_MIXTURE(f32, float, , 0)
MATVEC_MIXTURE(f32, float, _norm_silu, NORM | SILU)
MATVEC_MIXTURE(f32, float, _silu, SILU)
