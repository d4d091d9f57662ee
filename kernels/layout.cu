// Rewrites a [rows, k] weight matrix from its stored row-major order into the projection layout of layout.cuh, once,
// when the weights are uploaded. A permutation of values: no arithmetic, so no reduction order. CPU twin: none (the
// CPU reads rows in stored order; the arithmetic both then perform is numerics.md §2).
#include "layout.cuh"
#include "numerics.cuh"

template <typename T>
__device__ void relayout(const T* in, T* out, int rows, int k, int stride) {
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const long long total = (long long)rows * k;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        const long long r = i / k;
        const int c = (int)(i - r * k);
        out[r * stride + inv::row_slot(l, c)] = in[i];
    }
}

INV_EXTERN void relayout_bf16(const unsigned short* in, unsigned short* out, int rows, int k, int stride) {
    relayout(in, out, rows, k, stride);
}

INV_EXTERN void relayout_f32(const float* in, float* out, int rows, int k, int stride) {
    relayout(in, out, rows, k, stride);
}
