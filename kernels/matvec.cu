// y[t][o] = canonical dot(W[o], x[t]) (+ bias[o]) (+ resid[t][o]) for W [rows, k] stored in the projection layout of
// layout.cuh (bf16 or f32): every projection of the step (numerics.md §2, §3, §9).
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1. Mapping: one warp per weight row; lane p holds P[p] of each of the block's TG
// tokens and takes its indices p, p + W, ... in increasing order: one 16-byte load brings its next GS weights (the
// layout puts them together), AHEAD loads ahead of the one being multiplied. The tree is lane q adding lane q + s
// (shuffles), as inv::warp_dot. Each token keeps its own partials, so how many tokens share a block (TG), and how
// many rows a block takes, never changes a value; no split depends on the batch.
// The block's input rows are staged once in shared memory in stored order (RMSNorm'ed there when NORM); lane p reads
// its x values at a stride of W floats, free of bank conflicts. A block may prefetch the next projection's weights into
// L2 (cp.async.bulk.prefetch): that moves no value and changes no order.
// Fused steps, each the same operations as its CPU step:
//   NORM:  inv = 1 / sqrt(canonical dot(x, x) / k + eps) (one warp, inv::warp_dot), xn[i] = nw[i] * (x[i] * inv).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1 (warps 2i, 2i+1); h[i] = silu(gate) * up, product rounded (§5, §9).
//   bias:  one rounded add after the dot; resid: the residual add, last.
// CPU twins: numerics/MatMul.rows (Dot, PartialTree), RmsNorm.apply, FloatMath.silu.
#include "layout.cuh"
#include "numerics.cuh"

#define NORM 1
#define SILU 2
#define MAX_WARPS 8
#define AHEAD 8

namespace {

// A streaming read: weights are used once, so they should not displace the activations in L1.
__device__ __forceinline__ uint4 ld_stream(const void* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

template <typename T> __device__ __forceinline__ float widen(T v);
template <> __device__ __forceinline__ float widen<float>(float v) { return v; }
template <> __device__ __forceinline__ float widen<unsigned short>(unsigned short v) { return inv::bf16_to_f32(v); }

// The GS weights of one 16-byte load, converted exactly to binary32.
template <typename T> __device__ __forceinline__ void unpack(uint4 u, float* w) {
    if constexpr (sizeof(T) == 2) {
        w[0] = __uint_as_float(u.x << 16); w[1] = __uint_as_float(u.x & 0xffff0000u);
        w[2] = __uint_as_float(u.y << 16); w[3] = __uint_as_float(u.y & 0xffff0000u);
        w[4] = __uint_as_float(u.z << 16); w[5] = __uint_as_float(u.z & 0xffff0000u);
        w[6] = __uint_as_float(u.w << 16); w[7] = __uint_as_float(u.w & 0xffff0000u);
    } else {
        w[0] = __uint_as_float(u.x); w[1] = __uint_as_float(u.y); w[2] = __uint_as_float(u.z); w[3] = __uint_as_float(u.w);
    }
}

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

template <typename T, int TG, int FLAGS>
__device__ __forceinline__ void matvec_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                            float* y, const float* bias, const float* resid, int rows, int k,
                                            int stride, int ldx, int ldy, int n, const char* next, long long nextBytes) {
    constexpr int GS = 16 / sizeof(T);
    extern __shared__ float4 xs4[];
    float* xs = reinterpret_cast<float*>(xs4);  // TG input rows of xst floats, in stored order
    __shared__ float invs[TG];
    __shared__ float res[MAX_WARPS][TG];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int xst = (k + 3) & ~3;
    const int warps = blockDim.x >> 5;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * warps + warp;
    const int t0 = blockIdx.y * TG;
    const T* wr = W + (long long)min(row, rows - 1) * stride;  // rows past the end reread the last one
    const T* wl = wr + lane * GS;                               // this lane's values of group 0
    const bool on = lane < l.w;

    // Every weight this lane needs first is requested before anything waits: AHEAD groups, the rest, the tail.
    uint4 cur[AHEAD];
#pragma unroll
    for (int u = 0; u < AHEAD; u++) {
        if (u < l.groups) cur[u] = ld_stream(wl + (long long)u * l.w * GS);
    }
    const int restBase = l.groups * l.w * GS;
    const int tail = l.chunks * l.w;
    float restw[GS - 1];
#pragma unroll
    for (int r = 0; r < GS - 1; r++) restw[r] = on && r < l.rest ? widen<T>(wr[restBase + lane * l.rest + r]) : 0.0f;
    const float tailw = on && tail + lane < k ? widen<T>(wr[tail + lane]) : 0.0f;
    prefetch_share(next, nextBytes);

    // Stage the input rows (16-byte copies when aligned), then normalise them in place.
    const bool vec = (k & 3) == 0 && (ldx & 3) == 0;
#pragma unroll
    for (int g = 0; g < TG; g++) {
        const int t = min(t0 + g, n - 1);
        const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
        if (vec) {
            for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x) xs4[g * (xst >> 2) + i] = reinterpret_cast<const float4*>(xr)[i];
        } else {
            for (int i = threadIdx.x; i < k; i += blockDim.x) xs[g * xst + i] = xr[i];
        }
    }
    __syncthreads();
    if (FLAGS & NORM) {
        for (int g = warp; g < TG; g += warps) {
            const float ss = inv::warp_dot(xs + g * xst, xs + g * xst, k);
            if (lane == 0) invs[g] = inv::inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
#pragma unroll
        for (int g = 0; g < TG; g++) {
            const float invr = invs[g];
            for (int i = threadIdx.x; i < k; i += blockDim.x) xs[g * xst + i] = nw[i] * (xs[g * xst + i] * invr);
        }
        __syncthreads();
    }

    // Lane p's index for value r of group gi is W * (GS * gi + r) + p: in x (stored order) a stride of W floats,
    // which the warp reads without bank conflicts.
    float acc[TG];
#pragma unroll
    for (int g = 0; g < TG; g++) acc[g] = 0.0f;
    const float* xl = xs + lane;
    for (int g0 = 0; g0 < l.groups; g0 += AHEAD) {
#pragma unroll
        for (int u = 0; u < AHEAD; u++) {
            const int gi = g0 + u;
            if (gi < l.groups) {
                float w[GS];
                unpack<T>(cur[u], w);
                if (gi + AHEAD < l.groups) cur[u] = ld_stream(wl + (long long)(gi + AHEAD) * l.w * GS);
                const float* xg = xl + gi * GS * l.w;
#pragma unroll
                for (int g = 0; g < TG; g++) {
#pragma unroll
                    for (int r = 0; r < GS; r++) acc[g] = fmaf(xg[g * xst + r * l.w], w[r], acc[g]);
                }
            }
        }
    }
    if (on) {
        // the chunks after the last whole group, then the last k % W indices: still increasing per partial
        const float* xg = xl + l.groups * GS * l.w;
#pragma unroll
        for (int r = 0; r < GS - 1; r++) {
            if (r < l.rest) {
#pragma unroll
                for (int g = 0; g < TG; g++) acc[g] = fmaf(xg[g * xst + r * l.w], restw[r], acc[g]);
            }
        }
        if (tail + lane < k) {
#pragma unroll
            for (int g = 0; g < TG; g++) acc[g] = fmaf(xs[g * xst + tail + lane], tailw, acc[g]);
        }
    }
#pragma unroll
    for (int g = 0; g < TG; g++) {
#pragma unroll
        for (int s = 16; s >= 1; s >>= 1) {
            const float o = __shfl_down_sync(0xffffffffu, acc[g], s);
            if (s < l.w) acc[g] = acc[g] + o;
        }
    }
    if (FLAGS & SILU) {
        if (lane == 0) {
#pragma unroll
            for (int g = 0; g < TG; g++) res[warp][g] = acc[g];
        }
        __syncthreads();
        if ((warp & 1) == 0 && lane < TG && row < rows && t0 + lane < n) {
            const int g = lane;
            y[(long long)(t0 + g) * ldy + (row >> 1)] = inv::silu_canon(res[warp][g]) * res[warp + 1][g];
        }
    } else if (lane == 0 && row < rows) {
#pragma unroll
        for (int g = 0; g < TG; g++) {
            if (t0 + g < n) {
                float o = acc[g];
                if (bias) o = o + bias[row];
                const long long yo = (long long)(t0 + g) * ldy + row;
                if (resid) o = resid[yo] + o;
                y[yo] = o;
            }
        }
    }
}

}  // namespace

#define MATVEC(name, T, TG, FLAGS)                                                                               \
    INV_EXTERN void __launch_bounds__(32 * MAX_WARPS, 2)                                                          \
        name(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias, \
             const float* resid, int rows, int k, int stride, int ldx, int ldy, int n, const char* next,            \
             long long nextBytes) {                                                                              \
        matvec_impl<T, TG, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx, ldy, n, next,      \
                                  nextBytes);                                                                    \
    }

// Named matvec_<dtype>[_norm[_silu]]_t<tokens per block>.
#define MATVEC_ALL(dt, T, TG)                          \
    MATVEC(matvec_##dt##_t##TG, T, TG, 0)              \
    MATVEC(matvec_##dt##_norm_t##TG, T, TG, NORM)      \
    MATVEC(matvec_##dt##_norm_silu_t##TG, T, TG, NORM | SILU)

MATVEC_ALL(bf16, unsigned short, 1)
MATVEC_ALL(bf16, unsigned short, 4)
MATVEC_ALL(f32, float, 1)
MATVEC_ALL(f32, float, 4)
