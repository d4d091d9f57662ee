// What the GPTQ kernel benchmarks (gptq.cu, gptq_tiles.cu) share: seeded GPTQ linears (natural q with the s and z of
// each group for the reference, the rows in GptqRows' order with their (s, nz) table for the kernels), g_idx, and the
// one-thread-per-(row, token) reference written from numerics.md §14 (w = (float) (q - z) * s + 0) and §2's dot.
#pragma once
#include "harness.cuh"
#include "../../../kernels/layout.cuh"
#include "../../../kernels/numerics.cuh"
#include "../../../kernels/gptq.cuh"

struct Lin { int rows, k, stride, groups; unsigned char *qn, *q; float* s; int* z; float2* tab; };

__device__ __forceinline__ unsigned qhash(long long i, unsigned seed) {
    unsigned h = (unsigned)i * 2654435761u ^ seed; h ^= h >> 15; h *= 2246822519u; h ^= h >> 13;
    return h;
}
__global__ void fill_q(unsigned char* q, int* z, float* s, long long n, long long ng, unsigned seed, int bits, int e0) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        q[i] = (unsigned char)(qhash(i, seed) & ((1u << bits) - 1));
        if (i < ng) {
            const unsigned h = qhash(i, seed ^ 0x5bd1e995u);
            z[i] = (int)((h >> 4) % ((1u << bits) + 1));  // v1 zeros reach 2^bits
            s[i] = __uint_as_float((unsigned)(127 + e0 + (h >> 28) % 4) << 23 | ((h >> 8) & 0x3ffu) << 13);  // f16 values
        }
    }
}
// GptqRows' table: (s, -((float) (z - o) * s)) per (row, group), as GptqMatrix holds it.
__global__ void make_tab(const float* s, const int* z, float2* tab, long long ng, int o) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < ng; i += (long long)gridDim.x * blockDim.x)
        tab[i] = make_float2(s[i], -((float)(z[i] - o) * s[i]));
}
// GptqRows' order: index i of a row at slot row_slot(i) of layout.cuh counted in values, GS = 128 / bits per load.
__global__ void pack(const unsigned char* qn, unsigned char* q, int rows, int k, int bits, int stride) {
    const inv::RowLayout l0 = inv::row_layout(k, 1);
    inv::RowLayout l = l0;
    l.gs = 128 / bits; l.groups = l.chunks / l.gs; l.rest = l.chunks - l.groups * l.gs;
    for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < (long long)rows * k; e += (long long)gridDim.x * blockDim.x) {
        const long long r = e / k; const int i = (int)(e - r * k);
        const long long j = inv::row_slot(l, i);
        if (bits == 8) { q[r * stride + j] = qn[e]; continue; }
        const long long b = r * stride + j / 2;
        atomicOr(reinterpret_cast<unsigned*>(q + (b & ~3LL)), (unsigned)qn[e] << (8 * (b & 3) + 4 * (j & 1)));
    }
}

// A seeded linear of rows x k with groups of gsz inputs.
static Lin make_lin(int rows, int k, int bits, unsigned seed, int gsz = 128) {
    Lin w{rows, k, (k * bits / 8 + 15) / 16 * 16, (k + gsz - 1) / gsz};
    const long long n = (long long)rows * k, ng = (long long)rows * w.groups;
    CK(cudaMalloc(&w.qn, n)); CK(cudaMalloc(&w.q, (long long)rows * w.stride)); CK(cudaMalloc(&w.s, 4 * ng));
    CK(cudaMalloc(&w.z, 4 * ng)); CK(cudaMalloc(&w.tab, 8 * ng + 16));  // readable 16 bytes past the end (gptq_stream.cu)
    CK(cudaMemset(w.q, 0, (long long)rows * w.stride)); CK(cudaMemset(w.tab, 0, 8 * ng + 16));
    fill_q<<<2048, 256>>>(w.qn, w.z, w.s, n, ng, seed, bits, bits == 8 ? -12 : -8);
    make_tab<<<256, 256>>>(w.s, w.z, w.tab, ng, bits == 8 ? 128 : 0);
    pack<<<2048, 256>>>(w.qn, w.q, rows, k, bits, w.stride);
    return w;
}
static long long lin_bytes(const Lin& w) { return (long long)w.rows * w.stride + 8LL * w.rows * w.groups; }
static void free_lin(Lin& w) { for (void* p : {(void*)w.qn, (void*)w.q, (void*)w.s, (void*)w.z, (void*)w.tab}) cudaFree(p); }

// act-order: a permutation's groups (desc_act), else i / gsz
__global__ void fill_gidx(int* g, int k, bool act, int gsz = 128) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < k; i += gridDim.x * blockDim.x)
        g[i] = act ? (int)(((long long)i * 7919 + 13) % k) / gsz : i / gsz;
}

// The reference: one thread per (output, token t = blockIdx.y), natural weights, input row xrows[t] (or t) of x (k
// floats apart), outputs (rows, or rows / 2 with silu) apart per token; numerics.md §14's dequantisation then §2's dot.
// flags: 1 = RMSNorm prologue, 2 = silu(gate) * up over row pairs.
__global__ void reference(const unsigned char* qn, const float* s, const int* z, const int* gidx, int groups,
                          const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias,
                          const float* resid, int rows, int k, int flags) {
    const int o = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
    const int outs = (flags & 2) ? rows / 2 : rows;
    if (o >= outs) return;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * k;
    const int w = inv::dot_width(k);
    // P[i mod W] in increasing i, 32 at a time in registers (W is 32 from k = 32 on; below, i < k <= W)
    auto canon = [&](auto term) {
        float p[32] = {0};
        int c = 0;
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 32; i++) p[i] = fmaf(term(c + i, 0), term(c + i, 1), p[i]);
        }
#pragma unroll
        for (int i = 0; i < 32; i++) if (c + i < k) p[i] = fmaf(term(c + i, 0), term(c + i, 1), p[i]);
        return inv::tree32(p, w);
    };
    float invr = 1.0f;
    if (flags & 1) invr = inv::inv_sqrt_canon(canon([&](int i, int) { return xr[i]; }) / (float)k + eps);
    auto dot = [&](int r) {
        return canon([&](int i, int which) {
            if (which == 0) return (flags & 1) ? nw[i] * (xr[i] * invr) : xr[i];
            const long long g = (long long)r * groups + gidx[i];
            return (float)((int)qn[(long long)r * k + i] - z[g]) * s[g] + 0.0f;
        });
    };
    if (flags & 2) { y[(long long)t * outs + o] = inv::silu_canon(dot(2 * o)) * dot(2 * o + 1); return; }
    float v = dot(o);
    if (bias) v = v + bias[o];
    if (resid) v = resid[(long long)t * rows + o] + v;
    y[(long long)t * rows + o] = v;
}
