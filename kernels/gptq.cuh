// What the GPTQ projection kernels (gptq_matvec.cu, gptq_stream.cu, gptq_tile.cu) share: reading the raw q of a packed row
// (GptqRows' order) and making (float) (q - o) exactly, o = 128 (int8) or 0 (int4), without a conversion instruction:
// 2^23 + q as bits, minus 2^23 + o (numerics.md §14). Moves and exact operations only.
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

}  // namespace inv
