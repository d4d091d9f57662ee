// The input row of the one-token GPTQ kernel gptq_decode.cu staged in lane-major order, with the
// fused RMSNorm (numerics.md §4; CPU twin numerics/RmsNorm.apply) and, for the subnormal dequantisation (gptq.cuh,
// DZ), scaled by 2^(149 - DZ_A) after every other step (exact); and the cp.async moves the kernels stage with.
#pragma once

#include "gptq.cuh"

namespace gdecode {

__device__ __forceinline__ unsigned saddr(const void* p) { return (unsigned)__cvta_generic_to_shared(p); }
__device__ __forceinline__ void cp_async8(void* dst, const void* src) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 8;" ::"r"(saddr(dst)), "l"(src) : "memory");
}
__device__ __forceinline__ void cp_async16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(saddr(dst)), "l"(src) : "memory");
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
// Every group but the newest n has landed (for this thread: a __syncwarp makes them the warp's).
template <int N> __device__ __forceinline__ void cp_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory"); }


// xp index j's chunk and lane: j = (c / 4) * 128 + 4p + c % 4.
__device__ __forceinline__ int xp_input(int j) { return ((j >> 7) * 4 + (j & 3)) * 32 + ((j >> 2) & 31); }
__device__ __forceinline__ int xp_at(int c, int lane) { return (c >> 2) * 128 + lane * 4 + (c & 3); }

// Stages the token's input row (row xrows[0] of x, or row 0) into xp, and (NORMED) normalises it in place
// (numerics.md §4: inv = 1 / sqrt(canonical dot(x, x) / k + eps) by warp 0, lane p summing x[p], x[p + 32], ... as
// inv::warp_dot does, then xn = nw * (x * inv)). DZ: each value is then scaled by 2^(149 - DZ_A) (gptq.cuh), and the
// result says whether every one stayed exact (no finite |x| >= 2^(DZ_A - 21)); when not, the row is to be staged again
// without DZ. Every thread must call it; it ends with a barrier.
template <bool NORMED, bool DZ = false>
__device__ __forceinline__ bool stage_xp(float* xp, float* nwp, float& invs, const float* x, const int* xrows, int ldx,
                                         int k, const float* nw, float eps, int warp, int lane) {
    const float* xr = x + (xrows ? (long long)xrows[0] * ldx : 0LL);
    const int chunks = k >> 5, xpn = ((chunks + 3) & ~3) * 32;
    bool big = false;  // DZ: a value of this thread's would not stay exact
    auto sc = [&](float v) {
        if (!DZ) return v;
        const float a = fabsf(v);
        big = big || (a >= 0x1p90f && a != __int_as_float(0x7f800000));
        return inv::dz_x(v);
    };
    auto end = [](bool b) {  // the closing barrier; DZ: whether every thread's values stayed exact
        if constexpr (DZ) return !__syncthreads_or(b);
        __syncthreads();
        return false;
    };
    const bool vec = (ldx & 3) == 0 && (reinterpret_cast<unsigned long long>(x) & 15) == 0
                     && (!NORMED || (reinterpret_cast<unsigned long long>(nw) & 15) == 0);
    if (vec) {  // 16-byte loads, one round trip: input i = 32c + p at xp_at(c, p)
#pragma unroll 4
        for (int i4 = threadIdx.x; i4 < (k >> 2); i4 += blockDim.x) {
            const float4 v = __ldg(reinterpret_cast<const float4*>(xr) + i4);
            const int at = xp_at(i4 >> 3, (i4 & 7) * 4);
            // DZ: x' (the scaled input) unless the norm comes after
            xp[at] = NORMED ? v.x : sc(v.x);
            xp[at + 4] = NORMED ? v.y : sc(v.y);
            xp[at + 8] = NORMED ? v.z : sc(v.z);
            xp[at + 12] = NORMED ? v.w : sc(v.w);
            if (NORMED) {
                const float4 n = __ldg(reinterpret_cast<const float4*>(nw) + i4);
                nwp[at] = n.x;
                nwp[at + 4] = n.y;
                nwp[at + 8] = n.z;
                nwp[at + 12] = n.w;
            }
        }
    } else {
#pragma unroll 4
        for (int j = threadIdx.x; j < xpn; j += blockDim.x) {
            const int i = xp_input(j);
            if (i < k) {
                xp[j] = NORMED ? __ldg(xr + i) : sc(__ldg(xr + i));
                if (NORMED) nwp[j] = __ldg(nw + i);
            }
        }
    }
    if (!NORMED) return end(big);
    __syncthreads();
    {
        if (warp == 0) {
            float p = 0.0f;
#pragma unroll 8
            for (int c = 0; c < chunks; c++) {
                const float v = xp[xp_at(c, lane)];
                p = fmaf(v, v, p);
            }
#pragma unroll
            for (int s = 16; s >= 1; s >>= 1) p = p + __shfl_down_sync(0xffffffffu, p, s);
            if (lane == 0) invs = inv::inv_sqrt_canon(p / (float)k + eps);
        }
        __syncthreads();
        const float invr = invs;
        for (int j = threadIdx.x; j < xpn; j += blockDim.x)
            if (xp_input(j) < k) xp[j] = sc(nwp[j] * (xp[j] * invr));
        return end(big);
    }
}


}  // namespace gdecode
