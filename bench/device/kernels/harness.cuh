// What the kernel-level benchmarks share (bench/device/kernels/*.cu): error checks, seeded fills, CUDA-graph capture and
// timing, the copy-bandwidth probe the rooflines are measured against, the projection layout's upload.
#pragma once
#include "../../../kernels/layout.cu"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(1); } } while (0)

// Seeded weights with |w| in [2^-9, 2^-3), and floats in [lo, hi): reproducible inputs for the bit checks.
__global__ void fill_bf16(unsigned short* p, long long n, unsigned seed) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
        const unsigned exp = 127 - 9 + (h >> 28) % 6;  // |w| in [2^-9, 2^-3)
        p[i] = (unsigned short)(((h & 1) << 15) | (exp << 7) | ((h >> 8) & 0x7f));
    }
}
__global__ void fill_f32(float* p, long long n, unsigned seed, float lo, float hi) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
        p[i] = lo + (hi - lo) * (h >> 8) * (1.0f / 16777216.0f);
    }
}
__global__ void empty_kernel() {}

static float time_graph(cudaStream_t s, cudaGraphExec_t g, int reps) {
    cudaEvent_t a, e; CK(cudaEventCreate(&a)); CK(cudaEventCreate(&e));
    for (int i = 0; i < 3; i++) CK(cudaGraphLaunch(g, s));
    std::vector<float> ms;
    for (int i = 0; i < reps; i++) {
        CK(cudaEventRecord(a, s)); CK(cudaGraphLaunch(g, s)); CK(cudaEventRecord(e, s)); CK(cudaEventSynchronize(e));
        float t; CK(cudaEventElapsedTime(&t, a, e)); ms.push_back(t);
    }
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


__global__ void copy_kernel(const uint4* a, uint4* b, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) b[i] = a[i];
}


// Device-to-device copy bandwidth, counted as the anchor counts it (2 bytes moved per byte copied), in GB/s.
static double copy_bandwidth(cudaStream_t s, int sms) {
    const long long cn = (1LL << 31) / 16; uint4 *ca, *cbuf; CK(cudaMalloc(&ca, cn * 16)); CK(cudaMalloc(&cbuf, cn * 16));
    CK(cudaMemset(ca, 1, cn * 16)); CK(cudaMemset(cbuf, 0, cn * 16));
    auto cg = capture(s, [&] { for (int i = 0; i < 5; i++) copy_kernel<<<4 * sms, 1024, 0, s>>>(ca, cbuf, cn); });
    const double gbs = 2.0 * 5 * cn * 16 / (time_graph(s, cg, 5) * 1e-3) / 1e9;
    CK(cudaGraphExecDestroy(cg)); CK(cudaFree(ca)); CK(cudaFree(cbuf));
    return gbs;
}

// A bf16 matrix [rows, k] moved into the projection layout (layout.cuh), rows stride (k + 7) & ~7.
static unsigned short* relaid(const unsigned short* w, int rows, int k) {
    unsigned short* out; const int stride = (k + 7) & ~7;
    CK(cudaMalloc(&out, 2LL * rows * stride)); CK(cudaMemset(out, 0, 2LL * rows * stride));
    relayout_bf16<<<2048, 256>>>(w, out, rows, k, stride);
    return out;
}

