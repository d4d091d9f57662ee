// Embedding lookup: x[t][i] = embed[token[t]][i], converted exactly to binary32 (numerics.md §1, §9).
// No reduction. CPU twin: DecoderForward "model.embed_tokens" (WeightMatrix.row).
#include "chain.cuh"
#include "numerics.cuh"

template <typename T> __device__ __forceinline__ float widen(T v);
template <> __device__ __forceinline__ float widen<float>(float v) { return v; }
template <> __device__ __forceinline__ float widen<unsigned short>(unsigned short v) { return inv::bf16_to_f32(v); }

template <typename T>
__device__ void embed(const T* table, const int* tokens, float* x, int hidden) {
    const int t = blockIdx.x;
    const T* row = table + (long long)tokens[t] * hidden;
    for (int i = threadIdx.x; i < hidden; i += blockDim.x) x[(long long)t * hidden + i] = widen<T>(row[i]);
}

INV_EXTERN void embed_bf16(const unsigned short* table, const int* tokens, float* x, int hidden) {
    inv::await_inputs();
    inv::release_next();
    embed(table, tokens, x, hidden);
}

INV_EXTERN void embed_f32(const float* table, const int* tokens, float* x, int hidden) {
    inv::await_inputs();
    inv::release_next();
    embed(table, tokens, x, hidden);
}
