// What the benchmarks of the chained one-token decode step (pdl.cu, stream_chain.cu, attention_chain.cu) share: a
// launch with or without the programmatic-serialization attribute (kernels/chain.cuh, engine-cuda DriverLaunch), the
// stand-in for rope and attention between the qkv and o projections, one projection with the backend's base ring
// (matvec_stream.cu: 8 warps x 3 slots x 8 groups), and seeded weights in the projection layout.
#pragma once
#include "../../../kernels/matvec_stream.cu"
#include "harness.cuh"

static int g_sms, g_smem;

static void launch_chained(cudaStream_t s, bool pdl, const void* f, dim3 grid, dim3 block, void** args, int smem) {
    cudaLaunchConfig_t c = {};
    c.gridDim = grid; c.blockDim = block; c.dynamicSmemBytes = smem; c.stream = s;
    cudaLaunchAttribute a[1];
    a[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    a[0].val.programmaticStreamSerializationAllowed = 1;
    c.attrs = a; c.numAttrs = pdl ? 1 : 0;
    CK(cudaLaunchKernelExC(&c, f, args));
}

// Stand-in for rope + attention at batch 1: attn = half of qkv's first `hidden` values, on a block per head.
__global__ void stand_in(const float* qkv, float* attn, int hidden) {
    inv::await_inputs();
    inv::release_next();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < hidden; i += gridDim.x * blockDim.x) attn[i] = qkv[i] * 0.5f;
}

// One projection of one token by the base ring (flags: 0 plain, 1 norm, 3 norm + silu), weights W in the layout.
static void proj_base(cudaStream_t s, bool pdl, int flags, const unsigned short* W, int rows, int k, const float* x,
                      const float* nw, float* y, const float* bias, const float* resid) {
    int stride = (k + 7) & ~7, ldx = k; float eps = 1e-6f; const int* xr = nullptr;
    void* args[] = {&W, &x, &xr, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx};
    const void* f = flags == 0 ? (const void*)matvec_stream_bf16 : flags == 1 ? (const void*)matvec_stream_bf16_norm
                                                                             : (const void*)matvec_stream_bf16_norm_silu;
    launch_chained(s, pdl, f, dim3(g_sms), dim3(32 * STREAM_WARPS), args,
                   STREAM_WARPS * SLOTS * SLOT_BYTES + 8 * ((k + 3) & ~3));
}

// Seeded bf16 weights [rows, k]: returned row-major, and (laid) in the projection layout.
static unsigned short* weights(long long rows, long long k, unsigned seed, unsigned short** laid) {
    unsigned short* w; CK(cudaMalloc(&w, 2 * rows * k)); fill_bf16<<<1024, 256>>>(w, rows * k, seed);
    *laid = relaid(w, (int)rows, (int)k);
    return w;
}
static float* floats(long long n, unsigned seed, float lo, float hi) {
    float* p; CK(cudaMalloc(&p, 4 * n)); fill_f32<<<64, 256>>>(p, n, seed, lo, hi); return p;
}
