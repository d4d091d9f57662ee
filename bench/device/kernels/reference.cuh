// The one-thread-per-(row, token) reference of a projection that the kernel benchmarks (projections.cu, tiles.cu)
// check every variant's bits against, and f32 weights of a bf16 matrix's values (so the same dots, bit for bit).
#pragma once
#include "harness.cuh"
#include "../../../kernels/numerics.cuh"

// bf16 widened exactly: f32 weights with the same values (so the same dots, bit for bit).
__global__ void widen_bf16(const unsigned short* in, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = inv::bf16_to_f32(in[i]);
}
// The reference: one thread per (output row, token), its 32 partials in registers, natural row-major weights, input
// row xrows[t] (or t) of x (k floats apart), outputs rows (rows / 2 with silu) apart (numerics.md §2, §4, §9).
// flags: 1 = RMSNorm prologue, 2 = silu(gate) * up over row pairs.
template <typename T>
__global__ void reference(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y,
                          const float* bias, const float* resid, int rows, int k, int n, int flags) {
    const int o = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
    if (o >= ((flags & 2) ? rows / 2 : rows)) return;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * k;
    const int w = inv::dot_width(k);
    float invr = 1.0f;
    if (flags & 1) {
        float ss[32] = {0};
        int c = 0;
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) ss[i] = fmaf(xr[c + i], xr[c + i], ss[i]);
        }
#pragma unroll
        for (int i = 0; i < 32; i++) if (c + i < k) ss[i] = fmaf(xr[c + i], xr[c + i], ss[i]);
        invr = inv::inv_sqrt_canon(inv::tree32(ss, w) / (float)k + eps);
    }
    auto dot = [&](int r) {
        const T* wr = W + (long long)r * k;
        auto term = [&](int i) { return (flags & 1) ? nw[i] * (xr[i] * invr) : xr[i]; };
        float p[32] = {0};
        int c = 0;
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) p[i] = fmaf(term(c + i), inv::widen<T>(wr[c + i]), p[i]);
        }
#pragma unroll
        for (int i = 0; i < 32; i++) if (c + i < k) p[i] = fmaf(term(c + i), inv::widen<T>(wr[c + i]), p[i]);
        return inv::tree32(p, w);
    };
    if (flags & 2) {
        y[(long long)t * (rows / 2) + o] = inv::silu_canon(dot(2 * o)) * dot(2 * o + 1);
        return;
    }
    float v = dot(o);
    if (bias) v = v + bias[o];
    if (resid) v = resid[(long long)t * rows + o] + v;
    y[(long long)t * rows + o] = v;
}
