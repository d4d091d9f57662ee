// The fast profile's moves into its fragment layouts (fast.cuh): a projection's weights once at upload (f32 rounded to
// bf16 there), and the step's input rows before each projection, RMSNorm'ed in binary32 as in portable (numerics.md
// §4) and rounded to bf16. No other arithmetic.
#include "fast.cuh"

namespace fast {

template <typename T> __device__ __forceinline__ unsigned short weight_bf16(T v);
template <> __device__ __forceinline__ unsigned short weight_bf16<unsigned short>(unsigned short v) { return v; }
template <> __device__ __forceinline__ unsigned short weight_bf16<float>(float v) { return to_bf16(v); }

// Row-major W [rows, k] -> the fast layout (kpairs = ceil(k / 32), ceil(rows / 8) row tiles), padding with zeros.
template <typename T>
__device__ __forceinline__ void layout_impl(const T* W, uint4* out, int rows, int k) {
    const int kpairs = (k + 31) >> 5;
    const long long total = (long long)((rows + 7) >> 3) * kpairs * 32;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        const int L = (int)(i & 31);
        const int kp = (int)((i >> 5) % kpairs);
        const long long rt = (i >> 5) / kpairs;
        const long long row = rt * 8 + (L >> 2);
        unsigned short v[8];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int kk = elem_k(kp, L, j);
            v[j] = row < rows && kk < k ? weight_bf16<T>(W[row * k + kk]) : (unsigned short)0;
        }
        out[i] = make_uint4(pack(v[0], v[1]), pack(v[2], v[3]), pack(v[4], v[5]), pack(v[6], v[7]));
    }
}

// Token t's x' (row xrows[t] of x, or t) into the staged layout; one block per token.
template <bool NORM>
__device__ __forceinline__ void stage_impl(const float* x, const int* xrows, const float* nw, float eps, uint4* a,
                                           int k, int ldx) {
    inv::release_next();  // the projection's mma kernel may start requesting its weights now; it waits for these rows
    inv::await_inputs();
    const int t = blockIdx.x;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
    __shared__ float invs;
    if (NORM) {
        if (threadIdx.x < 32) {
            const float ss = inv::warp_dot(xr, xr, k);
            if (threadIdx.x == 0) invs = inv::inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
    }
    const float invr = NORM ? invs : 1.0f;
    const int kpairs = (k + 31) >> 5;
    const int mt = t >> 4, half = (t >> 3) & 1, g = t & 7;
    for (int i = threadIdx.x; i < kpairs * 4; i += blockDim.x) {
        const int kp = i >> 2, q = i & 3, L = 4 * g + q;
        unsigned short v[8];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int kk = elem_k(kp, L, j);
            float f = 0.0f;
            if (kk < k) f = NORM ? __ldg(nw + kk) * (__ldg(xr + kk) * invr) : __ldg(xr + kk);
            v[j] = to_bf16(f);
        }
        a[(((long long)mt * kpairs + kp) * 2 + half) * 32 + L] =
            make_uint4(pack(v[0], v[1]), pack(v[2], v[3]), pack(v[4], v[5]), pack(v[6], v[7]));
    }
}

}  // namespace fast

// fast_layout_<dtype>(W row-major [rows, k], out [ceil(rows / 8)][ceil(k / 32)][32][8] bf16, rows, k): any grid.
INV_EXTERN void fast_layout_bf16(const unsigned short* W, uint4* out, int rows, int k) { fast::layout_impl(W, out, rows, k); }
INV_EXTERN void fast_layout_f32(const float* W, uint4* out, int rows, int k) { fast::layout_impl(W, out, rows, k); }

// fast_stage[_norm](x, xrows, nw, eps, a, k, ldx): n blocks (one per token) of any width; a holds ceil(n / 16) token
// tiles of ceil(k / 32) * 1024 bytes.
INV_EXTERN void fast_stage(const float* x, const int* xrows, const float* nw, float eps, uint4* a, int k, int ldx) {
    fast::stage_impl<false>(x, xrows, nw, eps, a, k, ldx);
}
INV_EXTERN void fast_stage_norm(const float* x, const int* xrows, const float* nw, float eps, uint4* a, int k, int ldx) {
    fast::stage_impl<true>(x, xrows, nw, eps, a, k, ldx);
}
