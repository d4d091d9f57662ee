// What the GPTQ projection kernels (gptq_matvec.cu, gptq_stream.cu, gptq_direct.cu, gptq_tile.cu) share: reading the raw
// q of a packed row (GptqRows' order) and making (float) (q - o) exactly, o = 128 (int8) or 0 (int4), without a
// conversion instruction: 2^23 + q as bits, minus 2^23 + o (numerics.md §14); and a warp's unit of R rows finished
// (each row's halving tree, then its output as numerics.md §2-§3 and the CPU's MatMul write it).
#pragma once

#include "numerics.cuh"

namespace inv {

__device__ __forceinline__ unsigned word(uint4 u, int j) { return j == 0 ? u.x : j == 1 ? u.y : j == 2 ? u.z : u.w; }

// (float) (q - 128) of byte b (0 .. 3) of a 32-bit word of int8 values.
__device__ __forceinline__ float q8f_word(unsigned v, int b) {
    return __uint_as_float(__byte_perm(v, 0x4B000000u, 0x7540 | b)) - 8388736.0f;  // 2^23 + 128
}

// (float) (q - 128) of byte j (0 .. 15) of one 16-byte load of int8 values.
__device__ __forceinline__ float q8f(uint4 u, int j) { return q8f_word(word(u, j >> 2), j & 3); }

// (float) (q - 0) of nibble j (0 .. 7) of a 32-bit word of int4 values: nibble n of a 16-bit half masked in place
// under the exponent 23 - 4n (one logic op), minus 2^(23 - 4n).
__device__ __forceinline__ float q4f_word(unsigned w, int j) {
    const unsigned v = (j & 4) ? w >> 16 : w;
    const int n = j & 3;
    return __uint_as_float((v & (0xFu << (4 * n))) | ((150u - 4 * n) << 23)) - __uint_as_float((150u - 4 * n) << 23);
}

// (float) (q - o) of the value at slot j of a row (the rows' rest and tail, read one by one).
template <int BITS> __device__ __forceinline__ float qf_at(const unsigned char* row, int j) {
    const unsigned b = BITS == 8 ? row[j] : (row[j >> 1] >> (4 * (j & 1))) & 0xFu;
    return __uint_as_float(0x4B000000u | b) - (BITS == 8 ? 8388736.0f : 8388608.0f);
}

// The exponent words of (float) (q - o), read from __constant__ so that ptxas keeps them in registers and each value is
// one PRMT (byte selector as immediate) or one LOP3 (nibble mask as immediate): 2^23, 2^19, 2^15, 2^11.
__constant__ unsigned q_exp[4] = {150u << 23, 146u << 23, 142u << 23, 138u << 23};

// (float) (q - o) of value j (0 .. 128 / BITS - 1) of a 16-byte word, exactly; ek: q_exp in registers.
template <int BITS> __device__ __forceinline__ float qf16(uint4 u, int j, const unsigned (&ek)[4]) {
    if constexpr (BITS == 8) {
        return __uint_as_float(__byte_perm(word(u, j >> 2), ek[0], 0x7540 | (j & 3))) - 8388736.0f;  // 2^23 + 128
    } else {
        const unsigned w = word(u, j >> 3), v = (j & 4) ? w >> 16 : w;
        const int n = j & 3;
        return __uint_as_float((v & (0xFu << (4 * n))) | ek[n]) - __uint_as_float((150u - 4 * n) << 23);
    }
}

// One 16-byte word of each of R rows against its GS = 128 / BITS inputs, in increasing j: acc[r] = fmaf(x_j,
// deq(q[r], r, j), acc[r]) (numerics.md, GPTQ), deq the weight's dequantisation (Biased or Subnormal8 below). xw: this
// lane's first input as a float4 of the lane-major staged row, the next one 32 float4 on.
template <int BITS, int R, class Deq>
__device__ __forceinline__ void word_dot(const float4* xw, const uint4 (&q)[R], const Deq& deq, float (&acc)[R]) {
    constexpr int GS = 128 / BITS;
#pragma unroll
    for (int j4 = 0; j4 < GS / 4; j4++) {
        const float4 x4 = xw[j4 * 32];
        const float xv[4] = {x4.x, x4.y, x4.z, x4.w};
#pragma unroll
        for (int jj = 0; jj < 4; jj++) {
            const int j = j4 * 4 + jj;
#pragma unroll
            for (int r = 0; r < R; r++) acc[r] = fmaf(xv[jj], deq(q[r], r, j), acc[r]);
        }
    }
}

// The CPU's dequantisation: fmaf((q_j - o), t[r][j / GQ].x, t[r][j / GQ].y), (q - o) made under the exponent words ek
// (qf16), t[r][e] the (s, nz) entry of the word's group e.
template <int BITS, int R, int GQ, int NE> struct Biased {
    const float2 (&t)[R][NE];
    const unsigned (&ek)[4];
    __device__ __forceinline__ float operator()(uint4 u, int r, int j) const {
        return fmaf(qf16<BITS>(u, j, ek), t[r][j / GQ].x, t[r][j / GQ].y);
    }
};

// The subnormal dequantisation (DZ): the raw q of byte b (int8) or nibble n (int4) masked in place in an otherwise
// zero word is, read as a binary32, q * 2^(p - 149) exactly (p = 8b or 4n; every bit below bit 24 weighs 2^-149 there),
// so one PRMT or one LOP3 makes a value whose product with S = s * 2^(DZ_A - p) is q * s * 2^(DZ_A - 149) exactly, and
// w' = fmaf(F, S, N) with N = -z * s * 2^(DZ_A - 149) is the exact (q - z) * s * 2^(DZ_A - 149): the weight, scaled by a
// power of two. The input row is staged scaled by the inverse power (x' = x * 2^(149 - DZ_A)), so x' * w' = x * w, the
// same exact product, and every fma of the dot gives the bits of numerics.md §14 and §2. Exact while the scales lie in
// binary16's range (s * 2^DZ_A below 2^128, |s| >= 2^-24: S, N and w' keep every bit) and |x| < 2^(DZ_A - 21) (x' finite).
// Three instructions per weight (PRMT or LOP3, FFMA, FFMA), where the 2^23 bias needs a fourth (its FADD).
#define DZ_A 111  // the constants below are written for it: 2^111, 2^(149 - 111) = 2^38, 2^(111 - 149) = 2^-38, 2^90
// x' of an input value (exact: a power of two, no overflow in the stated range)
__device__ __forceinline__ float dz_x(float x) { return x * 0x1p38f; }
// int8: (s, nz) -> (S, N) for bytes at p = 0 (each byte is moved to bits 0..7 by its PRMT); nz = -(z - 128) s, so
// nz - 128 s = -z s exactly.
__device__ __forceinline__ float2 dz_entry8(float2 e) {
    return make_float2(e.x * 0x1p111f, fmaf(-128.0f, e.x, e.y) * 0x1p-38f);
}

// F of value j (0 .. 128 / BITS - 1) of a 16-byte word: int8 byte j & 3 of word j / 4 moved to bits 0..7 (one PRMT),
// int4 nibble j & 3 of the 16-bit half (j & 4) of word j / 8 masked in place (one LOP3; the upper half shifted once).
template <int BITS> __device__ __forceinline__ float dz_q(uint4 u, int j) {
    if constexpr (BITS == 8) {
        return __uint_as_float(__byte_perm(word(u, j >> 2), 0u, 0x4440 | (j & 3)));
    } else {
        const unsigned w = word(u, j >> 3), v = (j & 4) ? w >> 16 : w;
        return __uint_as_float(v & (0xFu << (4 * (j & 3))));
    }
}

// int8 in the subnormal form (DZ): fmaf(F, S, N), t[r][e] = (S, N) of the word's group e (dz_entry8); the input row
// staged as x'.
template <int R, int NE> struct Subnormal8 {
    const float2 (&t)[R][NE];
    __device__ __forceinline__ float operator()(uint4 u, int r, int j) const {
        return fmaf(dz_q<8>(u, j), t[r][j / 4].x, t[r][j / 4].y);
    }
};

// int4 in the subnormal form (DZ): fmaf(F, S_n, N), F the nibble masked in place at n = j & 3 of its 16-bit half,
// s4[r * stride + e] = (S_0, S_1, S_2, S_3) of the word's group e (S_n = s * 2^(DZ_A - 4n): one per nibble position),
// n[r * stride + e] = N (dz_entry4); the input row staged as x'.
template <int R> struct Subnormal4 {
    const float4* s4;
    const float* n;
    int stride;
    __device__ __forceinline__ float operator()(uint4 u, int r, int j) const {
        const float4 s = s4[r * stride + j / 4];
        const int p = j & 3;
        return fmaf(dz_q<4>(u, j), p == 0 ? s.x : p == 1 ? s.y : p == 2 ? s.z : s.w, n[r * stride + j / 4]);
    }
};
// int4: (s, nz) -> (S_0 .. S_3) and N = nz * 2^-38 (nz = -z s, o = 0).
__device__ __forceinline__ float4 dz_scales4(float2 e) {
    return make_float4(e.x * 0x1p111f, e.x * 0x1p107f, e.x * 0x1p103f, e.x * 0x1p99f);
}
__device__ __forceinline__ float dz_n4(float2 e) { return e.y * 0x1p-38f; }

// A weight word: read once, kept out of L1; not volatile, so the compiler may move it ahead of the computation.
__device__ __forceinline__ uint4 ld_word(const unsigned char* p) {
    uint4 v;
    asm("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
        : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    return v;
}

__device__ __forceinline__ void prefetch_l2(const void* p) { asm volatile("prefetch.global.L2 [%0];" ::"l"(p)); }

// Each of a unit's R rows' halving tree over the lanes' partials (s = 16 .. 1, lane q adding lane q + s, only s < w):
// lane 0 then holds the rows' dots.
template <int R> __device__ __forceinline__ void tree_unit(float* acc, int w) {
#pragma unroll
    for (int r = 0; r < R; r++) {
#pragma unroll
        for (int s = 16; s >= 1; s >>= 1) {
            const float o = __shfl_down_sync(0xffffffffu, acc[r], s);
            if (s < w) acc[r] = acc[r] + o;
        }
    }
}

// Lane 0: the unit's outputs (rows row0 .. row0 + R - 1, those below rows): SILU, silu(gate) * up of each (gate, up)
// pair; else the dot, + bias (one rounded add), then the residual added last. biasAt(r) / residAt(r): row0 + r's
// values, read only where bias / resid is set.
template <int R, bool SILU, class BiasAt, class ResidAt>
__device__ __forceinline__ void store_unit(float* y, const float* acc, int row0, int rows, bool bias, BiasAt biasAt,
                                           bool resid, ResidAt residAt) {
    if (SILU) {
#pragma unroll
        for (int r = 0; r + 1 < R; r += 2)
            if (row0 + r < rows) y[(row0 + r) >> 1] = silu_canon(acc[r]) * acc[r + 1];
    } else {
#pragma unroll
        for (int r = 0; r < R; r++) {
            if (row0 + r < rows) {
                float o = acc[r];
                if (bias) o = o + biasAt(r);
                if (resid) o = residAt(r) + o;
                y[row0 + r] = o;
            }
        }
    }
}

}  // namespace inv
