// y[t][o] = canonical dot(W[o], x[t]) (+ bias[o]) (+ resid[t][o]) for W stored [rows, k] (numerics.md §2, §3, §9).
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = 16, 8, 4, 2, 1. Mapping: a quad of 4 consecutive threads owns one row; thread j of the quad
// holds P[8j .. 8j+7] and reads w[32c + 8j .. +7] of every 32-wide chunk c with one 16-byte load (bf16). The tree's
// steps s = 16 and 8 cross threads (shuffle down by 2, then 1); s = 4, 2, 1 run in thread 0's registers.
// A block handles 32 rows and TG tokens; each token keeps its own partials, so grouping never changes a value,
// and no split depends on the batch. Bias is one rounded add after the dot; the residual add comes last.
// CPU twin: numerics/MatMul.rows (and Dot, PartialTree).
#include "numerics.cuh"

template <typename T> struct Weights;

template <> struct Weights<unsigned short> {  // bf16
    static __device__ __forceinline__ void load8(const unsigned short* p, float w[8]) {
        const uint4 u = __ldg(reinterpret_cast<const uint4*>(p));
        w[0] = __uint_as_float(u.x << 16); w[1] = __uint_as_float(u.x & 0xffff0000u);
        w[2] = __uint_as_float(u.y << 16); w[3] = __uint_as_float(u.y & 0xffff0000u);
        w[4] = __uint_as_float(u.z << 16); w[5] = __uint_as_float(u.z & 0xffff0000u);
        w[6] = __uint_as_float(u.w << 16); w[7] = __uint_as_float(u.w & 0xffff0000u);
    }
    static __device__ __forceinline__ float load1(const unsigned short* p) { return inv::bf16_to_f32(__ldg(p)); }
};

template <> struct Weights<float> {
    static __device__ __forceinline__ void load8(const float* p, float w[8]) {
        const float4 a = __ldg(reinterpret_cast<const float4*>(p));
        const float4 b = __ldg(reinterpret_cast<const float4*>(p + 4));
        w[0] = a.x; w[1] = a.y; w[2] = a.z; w[3] = a.w; w[4] = b.x; w[5] = b.y; w[6] = b.z; w[7] = b.w;
    }
    static __device__ __forceinline__ float load1(const float* p) { return __ldg(p); }
};

__device__ __forceinline__ void load_x8(const float* p, float v[8]) {
    const float4 a = *reinterpret_cast<const float4*>(p);
    const float4 b = *reinterpret_cast<const float4*>(p + 4);
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
}

// vec: every row and every x row starts 16-byte aligned and k % 8 == 0 (the host checks), so chunks load as vectors.
template <typename T, int TG>
__device__ __forceinline__ void matmul_impl(const T* W, const float* x, float* y, const float* bias, const float* resid,
                                            int rows, int k, int ldx, int ldy, int n, int vec) {
    const int quad = threadIdx.x & 3;
    const int row = blockIdx.x * (blockDim.x >> 2) + (threadIdx.x >> 2);
    const int t0 = blockIdx.y * TG;
    const bool active = row < rows;
    const T* wr = W + (long long)(active ? row : rows - 1) * k;  // idle quads still shuffle with their warp
    const float* xr[TG];
#pragma unroll
    for (int g = 0; g < TG; g++) xr[g] = x + (long long)min(t0 + g, n - 1) * ldx;
    float acc[TG][8];
#pragma unroll
    for (int g = 0; g < TG; g++) {
#pragma unroll
        for (int i = 0; i < 8; i++) acc[g][i] = 0.0f;
    }
    int c = 0;
    if (vec) {
#pragma unroll 4
        for (; c + 32 <= k; c += 32) {
            float w[8];
            Weights<T>::load8(wr + c + 8 * quad, w);
#pragma unroll
            for (int g = 0; g < TG; g++) {
                float v[8];
                load_x8(xr[g] + c + 8 * quad, v);
#pragma unroll
                for (int i = 0; i < 8; i++) acc[g][i] = fmaf(v[i], w[i], acc[g][i]);
            }
        }
    } else {
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 8; i++) {
                const int kk = c + 8 * quad + i;
                const float w = Weights<T>::load1(wr + kk);
#pragma unroll
                for (int g = 0; g < TG; g++) acc[g][i] = fmaf(xr[g][kk], w, acc[g][i]);
            }
        }
    }
    // The last, partial chunk: element i of this thread is k index c + 8 * quad + i, partial 8 * quad + i.
#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int kk = c + 8 * quad + i;
        if (kk < k) {
            const float w = Weights<T>::load1(wr + kk);
#pragma unroll
            for (int g = 0; g < TG; g++) acc[g][i] = fmaf(xr[g][kk], w, acc[g][i]);
        }
    }
    const int width = inv::dot_width(k);
#pragma unroll
    for (int g = 0; g < TG; g++) {
        float* v = acc[g];
        if (width > 16) {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = v[i] + __shfl_down_sync(0xffffffffu, v[i], 2);
        }
        if (width > 8) {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = v[i] + __shfl_down_sync(0xffffffffu, v[i], 1);
        }
        const int t = t0 + g;
        if (quad == 0 && active && t < n) {
            const float a0 = width > 4 ? v[0] + v[4] : v[0];
            const float a1 = width > 4 ? v[1] + v[5] : v[1];
            const float a2 = width > 4 ? v[2] + v[6] : v[2];
            const float a3 = width > 4 ? v[3] + v[7] : v[3];
            const float b0 = width > 2 ? a0 + a2 : a0;
            const float b1 = width > 2 ? a1 + a3 : a1;
            float r = width > 1 ? b0 + b1 : b0;
            if (bias) r = r + bias[row];
            const long long yo = (long long)t * ldy + row;
            if (resid) r = resid[yo] + r;
            y[yo] = r;
        }
    }
}

#define MATMUL(name, T, TG)                                                                                         \
    INV_EXTERN void __launch_bounds__(128) name(const T* W, const float* x, float* y, const float* bias,           \
                                                const float* resid, int rows, int k, int ldx, int ldy, int n,     \
                                                int vec) {                                                         \
        matmul_impl<T, TG>(W, x, y, bias, resid, rows, k, ldx, ldy, n, vec);                                       \
    }

MATMUL(matmul_bf16_t1, unsigned short, 1)
MATMUL(matmul_bf16_t4, unsigned short, 4)
MATMUL(matmul_f32_t1, float, 1)
MATMUL(matmul_f32_t4, float, 4)
