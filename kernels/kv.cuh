// The KV cache's stored dtypes (docs/numerics.md §13): binary32 rounded to bf16 / fp8 e4m3fn / fp8 e5m2 when a
// row is written, widened exactly when it is read. Each conversion is the integer-arithmetic twin of a Java method
// (numerics/Bf16, numerics/Fp8), so the stored bits, and so every later value, are the CPU backend's. The traits
// at the end let rope_kv.cu and attention.cu be templated on the stored type (fp32 keeps its own code path).
#pragma once
#include "numerics.cuh"

namespace inv {

// binary32 -> bf16 bits, round to nearest even, overflow to ±inf, subnormals kept, every NaN -> 0x7FC0
// (Java: Bf16.fromFloat). Unsigned arithmetic wraps as Java's int addition does.
__device__ __forceinline__ unsigned short f32_to_bf16(float f) {
    const unsigned bits = __float_as_uint(f);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return 0x7FC0;
    return (unsigned short)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// binary32 -> fp8 bits with manBits mantissa bits and the given bias: RNE on the bits, subnormals kept, sign of
// zero kept, finite overflow and ±inf saturated to ±(maxBits), every NaN -> 0x7F (Java: Fp8.narrow).
__device__ __forceinline__ unsigned char f32_to_fp8(float f, int manBits, int bias, int maxBits) {
    const unsigned bits = __float_as_uint(f);
    const int sign = (int)((bits >> 24) & 0x80u);
    const int abs = (int)(bits & 0x7FFFFFFFu);
    if (abs > 0x7F800000) return 0x7F;
    const int exp = (abs >> 23) - 127 + bias;  // target exponent field if the result is normal
    int r;
    if (exp >= 1) {
        const int shift = 23 - manBits;
        const int rounded = abs + ((1 << (shift - 1)) - 1) + ((abs >> shift) & 1);  // < 2^31: no overflow
        r = (rounded >> shift) - ((127 - bias) << manBits);
        if (r > maxBits || abs == 0x7F800000) r = maxBits;
    } else {
        // subnormal target: the significand (implicit bit restored) shifted right to units of 2^(1-bias-manBits)
        const int e32 = abs >> 23;
        const int sig = e32 == 0 ? (abs & 0x7FFFFF) : ((abs & 0x7FFFFF) | 0x800000);
        const int shift = 23 - manBits + (1 - exp) - (e32 == 0 ? 1 : 0);
        if (shift > 31) {
            r = 0;
        } else {
            const int half = 1 << (shift - 1);
            const int q = (int)((unsigned)sig >> shift);
            const int rest = sig & (int)((1u << shift) - 1u);
            r = q + ((rest > half || (rest == half && (q & 1) == 1)) ? 1 : 0);
        }
    }
    return (unsigned char)(sign | r);
}

// binary32 -> fp8 e4m3fn (bias 7, max 448 = 0x7E) (Java: Fp8.toE4m3).
__device__ __forceinline__ unsigned char f32_to_e4m3(float f) { return f32_to_fp8(f, 3, 7, 0x7E); }

// binary32 -> fp8 e5m2 (bias 15, max 57344 = 0x7B) (Java: Fp8.toE5m2).
__device__ __forceinline__ unsigned char f32_to_e5m2(float f) { return f32_to_fp8(f, 2, 15, 0x7B); }

// fp8 bits -> binary32, exact, built from the bits (Java: Fp8's decode tables, made with Math.scalb): subnormals
// are m * 2^(1-bias-manBits) (a product by a power of two, exact), NaNs are the quiet NaN with the byte's sign.
__device__ __forceinline__ float fp8_to_f32(unsigned char b, int expBits, int manBits) {
    const int bias = (1 << (expBits - 1)) - 1;
    const int e = (b >> manBits) & ((1 << expBits) - 1);
    const int m = b & ((1 << manBits) - 1);
    const unsigned sign = (b & 0x80u) << 24;
    unsigned mag;
    if (e == 0) {
        mag = __float_as_uint((float)m * pow2i(1 - bias - manBits));
    } else if ((expBits == 4 && e == 15 && m == 7) || (expBits == 5 && e == 31 && m != 0)) {
        mag = 0x7FC00000u;  // e4m3fn's only NaN; e5m2's NaNs
    } else if (expBits == 5 && e == 31) {
        mag = 0x7F800000u;  // e5m2's infinity
    } else {
        mag = ((unsigned)(e - bias + 127) << 23) | ((unsigned)m << (23 - manBits));
    }
    return __uint_as_float(sign | mag);
}

// fp8 e4m3fn -> binary32 (Java: Fp8.e4m3ToFloat).
__device__ __forceinline__ float e4m3_to_f32(unsigned char b) { return fp8_to_f32(b, 4, 3); }

// fp8 e5m2 -> binary32 (Java: Fp8.e5m2ToFloat).
__device__ __forceinline__ float e5m2_to_f32(unsigned char b) { return fp8_to_f32(b, 5, 2); }

// Storage traits: T is the stored element, store() narrows, load() widens, load4() widens 4 consecutive elements
// from a pointer aligned to 4 elements (one 16-, 8- or 4-byte load).
struct KvF32 {
    using T = float;
    static constexpr bool IS_F32 = true;
    static __device__ __forceinline__ T store(float f) { return f; }
    static __device__ __forceinline__ float load(T v) { return v; }
    static __device__ __forceinline__ float4 load4(const T* p) { return *reinterpret_cast<const float4*>(p); }
};

struct KvBf16 {
    using T = unsigned short;
    static constexpr bool IS_F32 = false;
    static __device__ __forceinline__ T store(float f) { return f32_to_bf16(f); }
    static __device__ __forceinline__ float load(T v) { return bf16_to_f32(v); }
    static __device__ __forceinline__ float4 load4(const T* p) {
        const uint2 u = *reinterpret_cast<const uint2*>(p);
        return make_float4(__uint_as_float(u.x << 16), __uint_as_float(u.x & 0xFFFF0000u),
                           __uint_as_float(u.y << 16), __uint_as_float(u.y & 0xFFFF0000u));
    }
};

template <bool E5M2>
struct KvFp8 {
    using T = unsigned char;
    static constexpr bool IS_F32 = false;
    static __device__ __forceinline__ T store(float f) { return E5M2 ? f32_to_e5m2(f) : f32_to_e4m3(f); }
    static __device__ __forceinline__ float load(T v) { return E5M2 ? e5m2_to_f32(v) : e4m3_to_f32(v); }
    static __device__ __forceinline__ float4 load4(const T* p) {
        const unsigned u = *reinterpret_cast<const unsigned*>(p);
        return make_float4(load((T)(u & 0xFF)), load((T)((u >> 8) & 0xFF)), load((T)((u >> 16) & 0xFF)),
                           load((T)(u >> 24)));
    }
};

using KvE4m3 = KvFp8<false>;
using KvE5m2 = KvFp8<true>;

// thread_dot (numerics.cuh) with b a stored key row, each element widened exactly before its fmaf: the same fmas
// in the same order. fp32 rows take thread_dot itself.
template <class KV>
__device__ __forceinline__ float thread_dot_kv(const float* a, const typename KV::T* b, int k) {
    if constexpr (KV::IS_F32) {
        return thread_dot(a, b, k);
    } else {
        float p[32];
#pragma unroll
        for (int i = 0; i < 32; i++) p[i] = 0.0f;
        const int w = dot_width(k);
        int c = 0;
        if ((k & 3) != 0) {  // rows not aligned to 4 elements: scalar loads, the same fmas
            for (; c + 32 <= k; c += 32) {
#pragma unroll
                for (int i = 0; i < 32; i++) p[i] = fmaf(a[c + i], KV::load(b[c + i]), p[i]);
            }
        }
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i += 4) {
                const float4 av = *reinterpret_cast<const float4*>(a + c + i);
                const float4 bv = KV::load4(b + c + i);
                p[i] = fmaf(av.x, bv.x, p[i]);
                p[i + 1] = fmaf(av.y, bv.y, p[i + 1]);
                p[i + 2] = fmaf(av.z, bv.z, p[i + 2]);
                p[i + 3] = fmaf(av.w, bv.w, p[i + 3]);
            }
        }
#pragma unroll
        for (int i = 0; i < 32; i++) {
            if (c + i < k) p[i] = fmaf(a[c + i], KV::load(b[c + i]), p[i]);
        }
        return tree32(p, w);
    }
}

}  // namespace inv
