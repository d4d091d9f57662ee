// What the kernel benchmarks share (projections.cu, gptq.cu): error checks, seeded fills, CUDA-graph capture and
// timing, and the device-to-device copy bandwidth that their rooflines are measured against in the same run.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(1); } } while (0)

__device__ __forceinline__ unsigned bench_hash(long long i, unsigned seed) {
    unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
    return h;
}
__global__ void fill_f32(float* p, long long n, unsigned seed, float lo, float hi) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        p[i] = lo + (hi - lo) * (bench_hash(i, seed) >> 8) * (1.0f / 16777216.0f);
    }
}
__global__ void empty_kernel() {}
__global__ void copy_kernel(const uint4* a, uint4* b, long long n) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) b[i] = a[i];
}

// The median of reps launches of a graph, in ms (after three to warm up).
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

// Copy bandwidth in GB/s, counted as the anchor counts it (2 bytes moved per byte copied), with a copy kernel over
// 2 GiB; prints it with the cost of an empty kernel node in a graph.
static double copy_bandwidth(cudaStream_t s, int sms, int reps) {
    const long long cn = (1LL << 31) / 16; uint4 *ca, *cbuf; CK(cudaMalloc(&ca, cn * 16)); CK(cudaMalloc(&cbuf, cn * 16));
    CK(cudaMemset(ca, 1, cn * 16)); CK(cudaMemset(cbuf, 0, cn * 16));
    auto cg = capture(s, [&] { for (int i = 0; i < 5; i++) copy_kernel<<<4 * sms, 1024, 0, s>>>(ca, cbuf, cn); });
    const double copyGBs = 2.0 * 5 * cn * 16 / (time_graph(s, cg, 5) * 1e-3) / 1e9;
    CK(cudaFree(ca)); CK(cudaFree(cbuf)); CK(cudaGraphExecDestroy(cg));
    auto eg = capture(s, [&] { for (int i = 0; i < 200; i++) empty_kernel<<<132, 128, 0, s>>>(); });
    printf("copy bandwidth: %.1f GB/s; empty kernel in a graph: %.2f us per node\n", copyGBs, time_graph(s, eg, reps) * 1e3 / 200);
    CK(cudaGraphExecDestroy(eg));
    return copyGBs;
}
