// What the many-token projection benchmarks (tiles.cu, fast.cu) share: a layer's shape, its seeded activation buffers,
// and which weights, inputs, fusions and outputs each of its projections takes; the --sizes list parser.
#pragma once
#include "harness.cuh"

struct Shape { const char* name; int hidden, qkv, inter, layers; };
struct Bufs { float *x0, *attn, *hin, *xres, *y[5]; int* rev; };

// Projection p (0 qkv, 1 o, 2 gate/up, 3 down, 4 qkv over reversed rows) of a layer w (any struct with the norms nIn,
// nPost and the bias): rows, k, flags (1 norm, 2 silu), ldy, input, norm weights, bias, residual, xrows, output.
struct Proj { int rows, k, flags, ldy; const float *x, *nw, *bias, *resid; const int* xrows; float* y; };
template <typename L> static Proj projection(int p, const Shape& sh, const L& w, const Bufs& b) {
    const int H = sh.hidden, Q = sh.qkv, I = sh.inter;
    switch (p) {
        case 0: return {Q, H, 1, Q, b.x0, w.nIn, w.bias, nullptr, nullptr, b.y[0]};
        case 1: return {H, H, 0, H, b.attn, nullptr, nullptr, b.xres, nullptr, b.y[1]};
        case 2: return {2 * I, H, 3, I, b.x0, w.nPost, nullptr, nullptr, nullptr, b.y[2]};
        case 3: return {H, I, 0, H, b.hin, nullptr, nullptr, b.xres, nullptr, b.y[3]};
        default: return {Q, H, 1, Q, b.x0, w.nIn, w.bias, nullptr, b.rev, b.y[4]};
    }
}
static long long outFloats(const Proj& p, int n) { return (long long)n * p.ldy; }

// Inputs for nmax tokens (seeded, never zeros) and outputs of every projection.
static Bufs alloc_bufs(const Shape& sh, int nmax) {
    const long long H = sh.hidden, Q = sh.qkv, I = sh.inter;
    Bufs b;
    CK(cudaMalloc(&b.x0, 4 * nmax * H)); CK(cudaMalloc(&b.attn, 4 * nmax * H)); CK(cudaMalloc(&b.hin, 4 * nmax * I));
    CK(cudaMalloc(&b.xres, 4 * nmax * H)); CK(cudaMalloc(&b.rev, 4 * nmax));
    const long long yf[5] = {Q, H, I, H, Q};
    for (int o = 0; o < 5; o++) CK(cudaMalloc(&b.y[o], 4 * nmax * yf[o]));
    fill_f32<<<256, 256>>>(b.x0, nmax * H, 3, -2.0f, 2.0f); fill_f32<<<256, 256>>>(b.attn, nmax * H, 4, -1.0f, 1.0f);
    fill_f32<<<256, 256>>>(b.hin, nmax * I, 6, -1.0f, 1.0f); fill_f32<<<256, 256>>>(b.xres, nmax * H, 8, -1.0f, 1.0f);
    CK(cudaDeviceSynchronize()); CK(cudaGetLastError());
    return b;
}
static void free_bufs(Bufs& b) {
    cudaFree(b.x0); cudaFree(b.attn); cudaFree(b.hin); cudaFree(b.xres); cudaFree(b.rev);
    for (int o = 0; o < 5; o++) cudaFree(b.y[o]);
}

static std::vector<int> list(const char* s) {
    std::vector<int> v;
    for (const char* p = s; *p; p++) if (p == s || p[-1] == ',') v.push_back(atoi(p));
    return v;
}
