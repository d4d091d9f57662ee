// Kernel-level benchmark of what a kernel boundary of the batch-1 decode chain costs when no weights are read: chains
// of N kernels of one block per multiprocessor (the engine's persistent grids), captured in one CUDA graph, launched
// plainly or with the programmatic-serialization attribute (kernels/chain.cuh), each kernel reading what the one
// before it wrote:
//   empty   wait, release, one block's thread 0 writes one float (the boundary alone)
//   stage K every block copies the K-float input row the kernel before wrote into shared memory (16-byte loads, as
//           the projections stage x), then thread 0 writes one float of it
//   norm K  the same, then one warp's canonical sum of squares over the row (the fused RMSNorm's reduction)
//   tail    stage K, then every warp of the block stores one float (as a projection's rows are stored), so the next
//           kernel waits for every warp's store
// at 16 and 32 warps per block and K = 896, 5,120, 13,696 (Qwen2.5-0.5B and Qwen1.5-14B rows). Prints µs per kernel,
// each kernel alone on its multiprocessor ("alone": 120 KB of shared memory per block, so the next kernel's block can
// start there only once this one's has exited, as with the engine's kernels, whose registers or rings fill the
// multiprocessor) and with only the shared memory it needs ("shared").
// Why: the batch-1 projections take microseconds beyond their bytes (docs/benchmarks.md: 3.5-16 µs for 0.4-4.4 µs at
// 0.5B); this says how much of that is the boundary, the staging and the reduction, which no weight layout removes,
// and so how much is left to the ramp and the tail of the weight stream.
// Measured (an H100, docs/benchmarks.md 2026-12-05 14:43): 0.65 µs per dependent launch, 1.09 with a 896-float row
// staged, 1.45 with its norm; alone or shared the same (the boundary is the wait, not the co-residency).
// Build: bench/device/kernels/build. Run: boundary [--reps N] [--chain N].
#include "../../../kernels/chain.cuh"
#include "harness.cuh"

#include <cstring>

enum Mode { EMPTY, STAGE, NORM, TAIL };

template <int MODE>
__global__ void link(const float* in, float* out, int k) {
    extern __shared__ float4 xs4[];
    float* xs = reinterpret_cast<float*>(xs4);
    inv::await_inputs();
    inv::release_next();
    if (MODE == EMPTY) {
        if (blockIdx.x == 0 && threadIdx.x == 0) out[0] = in[0] + 1.0f;
        return;
    }
    const float4* in4 = reinterpret_cast<const float4*>(in);
    for (int i = threadIdx.x; i < k / 4; i += blockDim.x) xs4[i] = in4[i];
    __syncthreads();
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    if (MODE == NORM) {
        if (warp == 0) {
            float p = 0.0f;
            for (int i = lane; i < k; i += 32) p = fmaf(xs[i], xs[i], p);
            for (int s = 16; s > 0; s >>= 1) p += __shfl_down_sync(0xffffffffu, p, s);
            if (lane == 0) xs[0] = p;
        }
        __syncthreads();
    }
    if (MODE == TAIL) {
        if (lane == 0) out[(blockIdx.x * (blockDim.x >> 5) + warp) % k] = xs[(warp * 7) % k] + 1.0f;
        return;
    }
    if (threadIdx.x == 0) out[blockIdx.x % k] = xs[blockIdx.x % k] + 1.0f;
}

static const void* fn(int mode) {
    switch (mode) {
        case EMPTY: return (const void*)link<EMPTY>;
        case STAGE: return (const void*)link<STAGE>;
        case NORM: return (const void*)link<NORM>;
        default: return (const void*)link<TAIL>;
    }
}

int main(int argc, char** argv) {
    int reps = 20, chain = 240;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--chain") && i + 1 < argc) chain = atoi(argv[++i]);
        else { printf("usage: boundary [--reps N] [--chain N]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    const int sms = p.multiProcessorCount;
    const int alone = 120 * 1024;
    for (int m = 0; m < 4; m++) CK(cudaFuncSetAttribute(fn(m), cudaFuncAttributeMaxDynamicSharedMemorySize, alone));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    float *a, *b;
    CK(cudaMalloc(&a, 4 * 16384)); CK(cudaMalloc(&b, 4 * 16384));
    fill_f32<<<16, 256>>>(a, 16384, 3, -1.0f, 1.0f); fill_f32<<<16, 256>>>(b, 16384, 4, -1.0f, 1.0f);
    CK(cudaDeviceSynchronize());
    printf("boundary: %s, %d multiprocessors, chains of %d kernels, one block per multiprocessor\n", p.name, sms, chain);
    printf("%-6s %6s %6s | %12s %12s %12s %12s\n", "mode", "k", "warps", "alone plain", "alone pdl", "shared plain",
           "shared pdl");
    const char* names[] = {"empty", "stage", "norm", "tail"};
    for (int m = 0; m < 4; m++) {
        for (int k : {896, 5120, 13696}) {
            if (m == EMPTY && k != 896) continue;
            for (int warps : {16, 32}) {
                float us[4];
                for (int v = 0; v < 4; v++) {
                    const int pdl = v % 2, own = v < 2;
                    auto g = capture(s, [&] {
                        for (int i = 0; i < chain; i++) {
                            const float* in = i % 2 ? b : a;
                            float* out = i % 2 ? a : b;
                            int kk = k;
                            void* args[] = {&in, &out, &kk};
                            cudaLaunchConfig_t c = {};
                            c.gridDim = dim3(sms); c.blockDim = dim3(32 * warps); c.stream = s;
                            c.dynamicSmemBytes = own ? alone : m == EMPTY ? 0 : 4 * k;
                            cudaLaunchAttribute at[1];
                            at[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
                            at[0].val.programmaticStreamSerializationAllowed = 1;
                            c.attrs = at; c.numAttrs = pdl;
                            CK(cudaLaunchKernelExC(&c, fn(m), args));
                        }
                    });
                    us[v] = time_graph(s, g, reps) * 1e3f / chain;
                    CK(cudaGraphExecDestroy(g));
                }
                printf("%-6s %6d %6d | %12.2f %12.2f %12.2f %12.2f\n", names[m], m == EMPTY ? 0 : k, warps, us[0], us[1],
                       us[2], us[3]);
            }
        }
    }
    return 0;
}
