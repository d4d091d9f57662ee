// Shared device functions of the portable profile (docs/numerics.md). Every function here is the twin of a
// Java method in engine/src/main/java/dev/invariant/engine/numerics/ and performs the same IEEE-754 binary32
// operations in the same order. Built with -fmad=false -prec-div=true -prec-sqrt=true -ftz=false, so no product
// is fused into an add unless written fmaf, and division and sqrt are correctly rounded.
#pragma once

#define INV_EXTERN extern "C" __global__

namespace inv {

// bf16 -> binary32 is exact: the bits shifted up (numerics.md §1; Java: Bf16.bf16ToFloat).
__device__ __forceinline__ float bf16_to_f32(unsigned short h) { return __uint_as_float(((unsigned)h) << 16); }

// Java's Math.max(float, float): NaN wins, +0 is larger than -0. Exact, so any order of a max-reduction agrees.
__device__ __forceinline__ float jmax(float a, float b) {
    if (a != a) return a;
    if (a == 0.0f && b == 0.0f && __float_as_uint(a) == 0x80000000u) return b;
    return (a >= b) ? a : b;
}

// 2^e for -126 <= e <= 127, from the exponent bits (Java: FloatMath.pow2).
__device__ __forceinline__ float pow2i(int e) { return __int_as_float((e + 127) << 23); }

// The contract's exp (numerics.md §5; Java: FloatMath.exp).
__device__ __forceinline__ float exp_canon(float x) {
    if (x != x) return x;
    if (x > 0x1.62e42ep+6f) return __int_as_float(0x7f800000);
    if (x < -104.0f) return 0.0f;
    float k = rintf(x * 0x1.715476p+0f);
    float r = fmaf(k, -0x1.62e4p-1f, x);
    r = fmaf(k, -0x1.7f7d1cp-20f, r);
    float p = 0x1.a01a02p-13f;
    p = fmaf(p, r, 0x1.6c16c2p-10f);
    p = fmaf(p, r, 0x1.111112p-7f);
    p = fmaf(p, r, 0x1.555556p-5f);
    p = fmaf(p, r, 0x1.555556p-3f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int ki = (int)k;
    if (ki > 127) return (p * 2.0f) * pow2i(127);
    if (ki < -126) return (p * pow2i(ki + 64)) * 0x1p-64f;
    return p * pow2i(ki);
}

// x / (1 + e^-x): one exp, one add, one correctly rounded division (Java: FloatMath.silu).
__device__ __forceinline__ float silu_canon(float x) { return x / (1.0f + exp_canon(-x)); }

// (1 - e^-2|x|) / (1 + e^-2|x|) with x's sign: one exp, two rounded adds, a correctly rounded division
// (Java: FloatMath.tanh).
__device__ __forceinline__ float tanh_canon(float x) {
    if (x != x) return x;
    const float t = exp_canon(-2.0f * fabsf(x));
    return copysignf((1.0f - t) / (1.0f + t), x);
}

// GELU, tanh form, in PyTorch's order: inner = beta * (x + kappa * (x * x * x)), (0.5 * x) * (1 + tanh(inner)), each
// operation rounded; beta = sqrt(2 / pi) as a float (Java: FloatMath.geluTanh, GELU_BETA, GELU_KAPPA).
__device__ __forceinline__ float gelu_tanh_canon(float x) {
    const float cube = x * x * x;
    const float inner = 0x1.988454p-1f * (x + 0.044715f * cube);
    return 0.5f * x * (1.0f + tanh_canon(inner));
}

// erf by two polynomials in Horner fmas (Java: FloatMath.erf, ERF_SMALL, ERF_LARGE): |x| < 0.875: |x| + |x| * P(x²);
// below 4: 1 - exp(Q(|x|)) with the contract's exp; from 4 on 1; x's sign copied.
__device__ __forceinline__ float erf_canon(float x) {
    if (x != x) return x;
    const float a = fabsf(x);
    float y;
    if (a < 0.875f) {
        const float r = a * a;
        float p = -0x1.4a8c92p-11f;
        p = fmaf(p, r, 0x1.4afa84p-8f);
        p = fmaf(p, r, -0x1.b722dcp-6f);
        p = fmaf(p, r, 0x1.ce2418p-4f);
        p = fmaf(p, r, -0x1.81271cp-2f);
        p = fmaf(p, r, 0x1.06eba8p-3f);
        y = fmaf(a, p, a);
    } else if (a < 4.0f) {
        float p = 0x1.9511acp-26f;
        p = fmaf(p, a, -0x1.71f202p-21f);
        p = fmaf(p, a, 0x1.2b088ep-17f);
        p = fmaf(p, a, -0x1.136468p-14f);
        p = fmaf(p, a, 0x1.2930f8p-12f);
        p = fmaf(p, a, -0x1.068b90p-11f);
        p = fmaf(p, a, -0x1.234f30p-9f);
        p = fmaf(p, a, 0x1.6e3c50p-6f);
        p = fmaf(p, a, -0x1.b0bb1ap-4f);
        p = fmaf(p, a, -0x1.451894p-1f);
        p = fmaf(p, a, -0x1.2102b8p+0f);
        p = fmaf(p, a, 0x1.6b28f4p-14f);
        y = 1.0f - exp_canon(p);
    } else {
        y = 1.0f;
    }
    return copysignf(y, x);
}

// GELU, exact form, in PyTorch's order: (x * 0.5) * (1 + erf(x * alpha)), each operation rounded; alpha = 1 / sqrt(2)
// as a float (Java: FloatMath.geluErf, GELU_ALPHA).
__device__ __forceinline__ float gelu_erf_canon(float x) { return x * 0.5f * (1.0f + erf_canon(x * 0x1.6a09e6p-1f)); }

// 1 / sqrt(x), both correctly rounded (Java: FloatMath.invSqrt).
__device__ __forceinline__ float inv_sqrt_canon(float x) { return 1.0f / sqrtf(x); }

// The number of partial sums W of a canonical dot of length k (Java: Dot.width).
__device__ __forceinline__ int dot_width(int k) {
    if (k >= 32) return 32;
    if (k <= 1) return 1;
    return 1 << (32 - __clz(k - 1));
}

// Canonical dot by one warp (numerics.md §2; Java: Dot.dot): lane p holds P[p], accumulating k = p, p + W, ...
// with fmaf in increasing k; the halving tree runs over shuffles, lane q adding lane q + s for s = W/2 .. 1.
// Every lane of the warp must call it; every lane returns the result.
__device__ __forceinline__ float warp_dot(const float* a, const float* b, int k) {
    const int lane = threadIdx.x & 31;
    const int w = dot_width(k);
    float p = 0.0f;
    if (lane < w) {
#pragma unroll 8
        for (int i = lane; i < k; i += w) p = fmaf(a[i], b[i], p);  // unrolled: the loads go ahead of the fmas
    }
#pragma unroll
    for (int s = 16; s >= 1; s >>= 1) {
        float o = __shfl_down_sync(0xffffffffu, p, s);
        if (s < w) p = p + o;
    }
    return __shfl_sync(0xffffffffu, p, 0);
}

// Canonical sum by one warp (Java: Dot.sum, the canonical dot with 1: fmaf(a, 1, P) = P + a exactly): lane p adds
// k = p, p + W, ... in increasing k, then the same halving tree as warp_dot.
__device__ __forceinline__ float warp_sum(const float* a, int k) {
    const int lane = threadIdx.x & 31;
    const int w = dot_width(k);
    float p = 0.0f;
    if (lane < w) {
        for (int i = lane; i < k; i += w) p = p + a[i];
    }
#pragma unroll
    for (int s = 16; s >= 1; s >>= 1) {
        float o = __shfl_down_sync(0xffffffffu, p, s);
        if (s < w) p = p + o;
    }
    return __shfl_sync(0xffffffffu, p, 0);
}

// The halving tree over 32 register partials, every index a compile-time constant (so p stays in registers);
// only the steps s < w run (w = dot_width).
__device__ __forceinline__ float tree32(float p[32], int w) {
    if (w > 16) {
#pragma unroll
        for (int q = 0; q < 16; q++) p[q] = p[q] + p[q + 16];
    }
    if (w > 8) {
#pragma unroll
        for (int q = 0; q < 8; q++) p[q] = p[q] + p[q + 8];
    }
    if (w > 4) {
#pragma unroll
        for (int q = 0; q < 4; q++) p[q] = p[q] + p[q + 4];
    }
    if (w > 2) {
        p[0] = p[0] + p[2];
        p[1] = p[1] + p[3];
    }
    if (w > 1) p[0] = p[0] + p[1];
    return p[0];
}

// Canonical dot by one thread, its 32 partials in registers (attention scores over a head). When both rows are
// 16-byte aligned and k % 4 == 0 the loads are float4; the order of the fmas is the same either way.
__device__ __forceinline__ float thread_dot(const float* a, const float* b, int k) {
    float p[32];
#pragma unroll
    for (int i = 0; i < 32; i++) p[i] = 0.0f;
    const int w = dot_width(k);
    int c = 0;
    if ((k & 3) != 0) {  // rows not 16-byte aligned: scalar loads, the same fmas
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) p[i] = fmaf(a[c + i], b[c + i], p[i]);
        }
    }
    for (; c + 32 <= k; c += 32) {
#pragma unroll
        for (int i = 0; i < 32; i += 4) {
            const float4 av = *reinterpret_cast<const float4*>(a + c + i);
            const float4 bv = *reinterpret_cast<const float4*>(b + c + i);
            p[i] = fmaf(av.x, bv.x, p[i]);
            p[i + 1] = fmaf(av.y, bv.y, p[i + 1]);
            p[i + 2] = fmaf(av.z, bv.z, p[i + 2]);
            p[i + 3] = fmaf(av.w, bv.w, p[i + 3]);
        }
    }
#pragma unroll
    for (int i = 0; i < 32; i++) {
        if (c + i < k) p[i] = fmaf(a[c + i], b[c + i], p[i]);
    }
    return tree32(p, w);
}

}  // namespace inv
