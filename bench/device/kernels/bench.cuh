// What the kernel benchmarks (projections.cu, tiles.cu) share: error checks, seeded fills, the one-thread-per-dot
// reference of a projection, the projection layout upload, and timing in CUDA graphs.
#pragma once
#include "../../../kernels/layout.cu"
#include "../../../kernels/numerics.cuh"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(1); } } while (0)

// bf16 weights with |w| in [2^-9, 2^-3), signs and mantissas from a hash of the index.
__global__ void fill_bf16(unsigned short* p, long long n, unsigned seed) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
        const unsigned exp = 127 - 9 + (h >> 28) % 6;
        p[i] = (unsigned short)(((h & 1) << 15) | (exp << 7) | ((h >> 8) & 0x7f));
    }
}
__global__ void fill_f32(float* p, long long n, unsigned seed, float lo, float hi) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
        p[i] = lo + (hi - lo) * (h >> 8) * (1.0f / 16777216.0f);
    }
}
// bf16 widened exactly: f32 weights with the same values (so the same dots, bit for bit).
__global__ void widen_bf16(const unsigned short* in, float* out, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = inv::bf16_to_f32(in[i]);
}
__global__ void empty_kernel() {}

// The reference: one thread per (output row, token), its 32 partials in registers, natural row-major weights, input
// row xrows[t] (or t) of x (k floats apart), outputs rows (rows / 2 with silu) apart (numerics.md §2, §4, §9).
// flags: 1 = RMSNorm prologue, 2 = silu(gate) * up over row pairs.
template <typename T>
__global__ void reference(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y,
                          const float* bias, const float* resid, int rows, int k, int n, int flags) {
    const int o = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
    if (o >= ((flags & 2) ? rows / 2 : rows)) return;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * k;
    const int w = inv::dot_width(k);
    float invr = 1.0f;
    if (flags & 1) {
        float ss[32] = {0};
        int c = 0;
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) ss[i] = fmaf(xr[c + i], xr[c + i], ss[i]);
        }
#pragma unroll
        for (int i = 0; i < 32; i++) if (c + i < k) ss[i] = fmaf(xr[c + i], xr[c + i], ss[i]);
        invr = inv::inv_sqrt_canon(inv::tree32(ss, w) / (float)k + eps);
    }
    auto dot = [&](int r) {
        const T* wr = W + (long long)r * k;
        auto term = [&](int i) { return (flags & 1) ? nw[i] * (xr[i] * invr) : xr[i]; };
        float p[32] = {0};
        int c = 0;
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) p[i] = fmaf(term(c + i), inv::widen<T>(wr[c + i]), p[i]);
        }
#pragma unroll
        for (int i = 0; i < 32; i++) if (c + i < k) p[i] = fmaf(term(c + i), inv::widen<T>(wr[c + i]), p[i]);
        return inv::tree32(p, w);
    };
    if (flags & 2) {
        y[(long long)t * (rows / 2) + o] = inv::silu_canon(dot(2 * o)) * dot(2 * o + 1);
        return;
    }
    float v = dot(o);
    if (bias) v = v + bias[o];
    if (resid) v = resid[(long long)t * rows + o] + v;
    y[(long long)t * rows + o] = v;
}

// A [rows, k] matrix copied into the projection layout (kernels/layout.cuh), rows (k rounded up to 16 bytes) apart.
template <typename T> static T* relaid(const T* w, int rows, int k) {
    constexpr int gs = 16 / sizeof(T);
    T* out; const int stride = (k + gs - 1) / gs * gs;
    CK(cudaMalloc(&out, sizeof(T) * (long long)rows * stride)); CK(cudaMemset(out, 0, sizeof(T) * (long long)rows * stride));
    if constexpr (sizeof(T) == 2) relayout_bf16<<<2048, 256>>>(w, out, rows, k, stride);
    else relayout_f32<<<2048, 256>>>(w, out, rows, k, stride);
    return out;
}

// The median of reps launches of a graph, in ms, after 3 unmeasured ones.
static float time_graph(cudaStream_t s, cudaGraphExec_t g, int reps) {
    cudaEvent_t a, e; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&e));
    for (int i = 0; i < 3; i++) CK(cudaGraphLaunch(g, s));
    std::vector<float> ms;
    for (int i = 0; i < reps; i++) {
        CK(cudaEventRecord(a, s)); CK(cudaGraphLaunch(g, s)); CK(cudaEventRecord(e, s)); CK(cudaEventSynchronize(e));
        float t; CK(cudaEventElapsedTime(&t, a, e)); ms.push_back(t);
    }
    CK(cudaEventDestroy(a)); CK(cudaEventDestroy(e));
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

template <typename F> static cudaGraphExec_t capture(cudaStream_t s, F body) {
    cudaGraph_t g; cudaGraphExec_t ge;
    CK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    body();
    CK(cudaStreamEndCapture(s, &g));
    CK(cudaGraphInstantiate(&ge, g, 0));
    CK(cudaGraphDestroy(g));
    return ge;
}
