// What the GPTQ projection kernels (gptq_matvec.cu, gptq_stream.cu) share: reading the raw q of a packed row
// (GptqRows' order) and making (float) (q - o) exactly, o = 128 (int8) or 0 (int4), without a conversion instruction:
// 2^23 + q as bits, minus 2^23 + o (numerics.md §14). Moves and exact operations only.
#pragma once

#include "numerics.cuh"

namespace inv {

__device__ __forceinline__ unsigned word(uint4 u, int j) { return j == 0 ? u.x : j == 1 ? u.y : j == 2 ? u.z : u.w; }

// (float) (q - 128) of byte j (0 .. 15) of one 16-byte load of int8 values.
__device__ __forceinline__ float q8f(uint4 u, int j) {
    return __uint_as_float(__byte_perm(word(u, j >> 2), 0x4B000000u, 0x7540 | (j & 3))) - 8388736.0f;  // 2^23 + 128
}

// (float) (q - o) of the value at slot j of a row (the rows' rest and tail, read one by one).
template <int BITS> __device__ __forceinline__ float qf_at(const unsigned char* row, int j) {
    const unsigned b = BITS == 8 ? row[j] : (row[j >> 1] >> (4 * (j & 1))) & 0xFu;
    return __uint_as_float(0x4B000000u | b) - (BITS == 8 ? 8388736.0f : 8388608.0f);
}

}  // namespace inv
