// What the projection kernels (matvec.cu, matvec_stream.cu, gptq_matvec.cu) share: the streaming weight load, the
// exact widening of stored weights to binary32, and the input rows' staging with the fused RMSNorm. Moves and exact
// conversions, plus the norm, which is numerics.md §4 (CPU twin: numerics/RmsNorm.apply): inv = 1 / sqrt(canonical
// dot(x, x) / k + eps) by one warp (inv::warp_dot), xn[i] = nw[i] * (x[i] * inv).
#pragma once

#include "numerics.cuh"

namespace inv {

// A streaming read: weights are used once, so they should not displace the activations in L1.
__device__ __forceinline__ uint4 ld_stream(const void* p) {
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

template <typename T> __device__ __forceinline__ float widen(T v);
template <> __device__ __forceinline__ float widen<float>(float v) { return v; }
template <> __device__ __forceinline__ float widen<unsigned short>(unsigned short v) { return bf16_to_f32(v); }

// The 16 / sizeof(T) weights of one 16-byte load, converted exactly to binary32.
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

// Stages the block's TG input rows (tokens t0 .., past n: the last again; row xrows[t] of x, or t) into xs, xst
// floats apart, then (NORM) normalises each in place, invs[g] its 1 / rms. Read-only global loads, four in flight
// per thread: a plain loop would wait for each one in turn. Every thread of the block must call it.
template <int TG, bool NORMED>
__device__ __forceinline__ void stage_rows(float* xs, float* invs, const float* x, const int* xrows, int ldx, int k,
                                           int xst, int t0, int n, const float* nw, float eps) {
    float4* xs4 = reinterpret_cast<float4*>(xs);
    const int warps = blockDim.x >> 5;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const bool vec = (k & 3) == 0 && (ldx & 3) == 0;
#pragma unroll
    for (int g = 0; g < TG; g++) {
        const int t = min(t0 + g, n - 1);
        const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
        if (vec) {
#pragma unroll 4
            for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x) xs4[g * (xst >> 2) + i] = __ldg(reinterpret_cast<const float4*>(xr) + i);
        } else {
#pragma unroll 4
            for (int i = threadIdx.x; i < k; i += blockDim.x) xs[g * xst + i] = __ldg(xr + i);
        }
    }
    __syncthreads();
    if (NORMED) {
        for (int g = warp; g < TG; g += warps) {
            const float ss = warp_dot(xs + g * xst, xs + g * xst, k);
            if (lane == 0) invs[g] = inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x) {
            const float wi = __ldg(nw + i);
#pragma unroll
            for (int g = 0; g < TG; g++) xs[g * xst + i] = wi * (xs[g * xst + i] * invs[g]);
        }
        __syncthreads();
    }
}

}  // namespace inv
