// Kernel-level benchmark of the fast profile's projections (kernels/matmul_fast.cu: bf16 tensor-core mma, one fp32
// accumulator per output over k in increasing chunks of 16) against portable's kernels the engine launches
// (matvec_stream.cu at n = 1, matvec_tile.cu's 64 x 16 at n >= 16), on the layer shapes of Qwen2.5-0.5B and Qwen1.5-14B
// and an edge shape (rows, k and n not multiples of any tile), at n = 1, 16, 64, 700, 2767 tokens.
// Checks, for layer 0's four projections (qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid) and qkv over input
// rows taken in reverse through xrows:
//   (a) batch invariance: every fast kernel shape at every n gives each (token, row) the bits that the decode shape
//       gives it inside the largest n (token 0 alone = inside 64 = inside 2767), reversed rows the bits of their
//       straight twin, and f32 weights of the same values the bits of the bf16 ones;
//   (b) closeness: ||y - y64|| / ||y64|| against an fp64 reference over the first 64 tokens, fast and portable;
// then times each in CUDA graphs: µs per layer (the four projections, each the stage kernel then the mma kernel; over
// every layer's own weights for n <= 64, one layer beyond), tokens/s through the layer, TFLOP/s (2 flops per
// multiply-add) and the ratio to portable's kernels in the same run.
// Build: bench/device/kernels/build. Run: fast [--reps N] [--sizes 1,16,64,700,2767] [--shapes 0.5b,14b,edge].
#include "../../../kernels/fast_layout.cu"
#include "../../../kernels/matmul_fast.cu"
#include "../../../kernels/matvec_stream.cu"
#include "../../../kernels/matvec_tile.cu"
#include "layer.cuh"
#include "reference.cuh"

#include <cmath>
#include <cstring>
#include <string>

// Shapes the engine does not launch: the same template, so the same bits.
template <int MT, int NT, int WR, int WT, int U, bool PIPE, bool SILU>
__global__ void __launch_bounds__(32 * WR * WT)
    fast_var(const uint4* W, const uint4* A, float* y, const float* bias, const float* resid, int rows, int k, int ldy, int n) {
    fast::mma_impl<MT, NT, WR, WT, U, PIPE, SILU>(W, A, y, bias, resid, rows, k, ldy, n);
}
template <int MT, int NT, int WR, int WT, int STAGES, bool SILU>
__global__ void __launch_bounds__(32 * WR * WT)
    smem_var(const uint4* W, const uint4* A, float* y, const float* bias, const float* resid, int rows, int k, int ldy, int n) {
    fast::mma_smem_impl<MT, NT, WR, WT, STAGES, SILU>(W, A, y, bias, resid, rows, k, ldy, n);
}
#define FNS(shape) {(const void*)fast_mma_##shape, (const void*)fast_mma_##shape##_silu}
#define SMEM(MT, NT, WR, WT, S) 8 * NT * WR, 16 * MT * WT, 32 * WR * WT, \
    {(const void*)smem_var<MT, NT, WR, WT, S, false>, (const void*)smem_var<MT, NT, WR, WT, S, true>}
#define VAR(MT, NT, WR, WT, U, P) 8 * NT * WR, 16 * MT * WT, 32 * WR * WT, \
    {(const void*)fast_var<MT, NT, WR, WT, U, P, false>, (const void*)fast_var<MT, NT, WR, WT, U, P, true>}
struct Kind { const char* name; int rb, tb, threads; const void* fn[2]; };
static const Kind g_kinds[] = {
    {"fast 32x16", 32, 16, 128, FNS(32x16)},    {"32x16 u16", VAR(1, 1, 4, 1, 16, false)},
    {"32x16 u8 pipe", VAR(1, 1, 4, 1, 8, true)}, {"32x16 u4 pipe", VAR(1, 1, 4, 1, 4, true)},
    {"16x16 u4", VAR(1, 1, 2, 1, 4, false)},    {"64x16 nt2", VAR(1, 2, 4, 1, 8, false)},
    {"64x16 wr8", VAR(1, 1, 8, 1, 8, false)},   {"fast 8x64", 8, 64, 128, FNS(8x64)},
    {"16x64", VAR(2, 1, 2, 2, 4, false)},       {"fast 32x64", 32, 64, 128, FNS(32x64)},
    {"32x64 pipe", VAR(2, 2, 2, 2, 1, true)},   {"64x64", VAR(2, 4, 2, 2, 2, false)},
    {"fast 64x128", 64, 128, 128, FNS(64x128)}, {"64x128 pipe", VAR(4, 4, 2, 2, 1, true)},
    {"128x128", VAR(4, 4, 4, 2, 1, false)},     {"128x128 pipe", VAR(4, 4, 4, 2, 1, true)},
    {"128x64 u2", VAR(2, 4, 4, 2, 2, false)},
    {"fast smem 128x128", 128, 128, 256, {(const void*)fast_smem_128x128, (const void*)fast_smem_128x128_silu}},
    {"smem 64x128 s4", SMEM(4, 4, 2, 2, 4)},    {"smem 128x64 s4", SMEM(2, 4, 4, 2, 4)},
    {"smem 64x64 s4", SMEM(2, 2, 4, 2, 4)},     {"smem 32x64 s4", SMEM(2, 1, 4, 2, 4)},
    {"smem 64x32 s4", SMEM(1, 2, 4, 2, 4)},
};
constexpr int NKINDS = sizeof(g_kinds) / sizeof(g_kinds[0]);
static const void* g_stream[3] = {(const void*)matvec_stream_bf16, (const void*)matvec_stream_bf16_norm,
                                  (const void*)matvec_stream_bf16_norm_silu};
static const void* g_tile[3] = {(const void*)matvec_tile_bf16_64x16, (const void*)matvec_tile_bf16_norm_64x16,
                                (const void*)matvec_tile_bf16_norm_silu_64x16};
static int g_sms, g_smem;

// A launch with programmatic dependent launch, as engine-cuda's DriverLaunch makes it (kernels/chain.cuh).
static void launch_pdl(const void* f, unsigned grid, unsigned threads, void** args, cudaStream_t s) {
    cudaLaunchConfig_t c = {};
    c.gridDim = dim3(grid); c.blockDim = dim3(threads); c.stream = s;
    cudaLaunchAttribute a[1];
    a[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    a[0].val.programmaticStreamSerializationAllowed = 1;
    c.attrs = a; c.numAttrs = 1;
    CK(cudaLaunchKernelExC(&c, f, args));
}
static uint4* g_a;  // the staged inputs

// fp64 reference: one thread per (output row, token), x' = nw * x / rms in double, the bf16 weights exactly.
__global__ void reference64(const unsigned short* W, const float* x, const int* xrows, const float* nw, float eps,
                            double* y, const float* bias, const float* resid, int rows, int k, int n, int flags) {
    const int o = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
    const int outRows = (flags & 2) ? rows / 2 : rows;
    if (o >= outRows) return;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * k;
    double inv = 1.0;
    if (flags & 1) {
        double ss = 0;
        for (int i = 0; i < k; i++) ss += (double)xr[i] * xr[i];
        inv = 1.0 / sqrt(ss / k + eps);
    }
    auto dot = [&](int r) {
        double s = 0;
        for (int i = 0; i < k; i++) s += ((flags & 1) ? nw[i] * xr[i] * inv : (double)xr[i]) * inv::bf16_to_f32(W[(long long)r * k + i]);
        return s;
    };
    double v;
    if (flags & 2) {
        const double g = dot(2 * o);
        v = g / (1.0 + exp(-g)) * dot(2 * o + 1);
    } else {
        v = dot(o);
        if (bias) v += bias[o];
        if (resid) v += resid[(long long)t * rows + o];
    }
    y[(long long)t * outRows + o] = v;
}

struct Layer { unsigned short* w[4]; const void* portable[4]; const uint4* fast[2][4]; float *nIn, *nPost, *bias; };

// One projection of n tokens: ki >= 0 a fast kind (d: 0 bf16 weights, 1 f32 weights of the same values), -1 portable.
static void proj(cudaStream_t s, int ki, int d, const Layer& w, int p, const Shape& sh, const Bufs& b, int n) {
    const Proj q = projection(p, sh, w, b);
    const int wi = p == 4 ? 0 : p, fi = q.flags == 0 ? 0 : q.flags == 1 ? 1 : 2;
    float eps = 1e-6f;
    int rows = q.rows, k = q.k, ldx = q.k, ldy = q.ldy;
    const float *x = q.x, *nw = q.nw, *bias = q.bias, *resid = q.resid;
    const int* xrows = q.xrows;
    float* y = q.y;
    if (ki < 0) {
        const void* W = w.portable[wi];
        int stride = (k + 7) / 8 * 8;
        if (n == 1) {
            void* args[] = {&W, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx};
            const int smem = STREAM_WARPS * SLOTS * SLOT_BYTES + 4 * ((k + 3) & ~3) * (q.flags ? 2 : 1);
            CK(cudaLaunchKernel(g_stream[fi], dim3(g_sms), dim3(32 * STREAM_WARPS), args, smem, s));
        } else {
            void* args[] = {&W, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n};
            const long long blocks = (long long)((rows + 63) / 64) * ((n + 15) / 16);
            CK(cudaLaunchKernel(g_tile[fi], dim3((unsigned)blocks), dim3(256), args, tile::tile_smem(64, 16, 2), s));
        }
        return;
    }
    {
        uint4* a = g_a;
        void* args[] = {&x, &xrows, &nw, &eps, &a, &k, &ldx};
        launch_pdl(q.flags & 1 ? (const void*)fast_stage_norm : (const void*)fast_stage, n, 128, args, s);
    }
    const Kind& K = g_kinds[ki];
    const uint4* W = w.fast[d][wi];
    const uint4* A = g_a;
    void* args[] = {&W, &A, &y, &bias, &resid, &rows, &k, &ldy, &n};
    const long long blocks = (long long)((rows + K.rb - 1) / K.rb) * ((n + K.tb - 1) / K.tb);
    launch_pdl(K.fn[q.flags & 2 ? 1 : 0], (unsigned)blocks, K.threads, args, s);
}

template <typename T> static const uint4* fast_laid(const T* w, int rows, int k) {
    uint4* out; const long long bytes = (long long)((rows + 7) / 8) * ((k + 31) / 32) * 512;
    CK(cudaMalloc(&out, bytes));
    if constexpr (sizeof(T) == 2) fast_layout_bf16<<<2048, 256>>>(w, out, rows, k);
    else fast_layout_f32<<<2048, 256>>>(w, out, rows, k);
    return out;
}

static std::vector<float> fetch(const float* d, long long count) {
    std::vector<float> h(count);
    CK(cudaMemcpy(h.data(), d, 4 * count, cudaMemcpyDeviceToHost));
    return h;
}

// ||got - ref|| / ||ref|| over the first `count` outputs (NaN if any output is NaN).
static double rel_error(const std::vector<float>& got, const std::vector<double>& ref, long long count) {
    double num = 0, den = 0;
    for (long long i = 0; i < count; i++) { const double e = got[i] - ref[i]; num += e * e; den += ref[i] * ref[i]; }
    return sqrt(num / den);
}

int main(int argc, char** argv) {
    int reps = 10;
    std::vector<int> sizes = {1, 16, 64, 700, 2767};
    std::string which = "0.5b,14b,edge";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) sizes = list(argv[++i]);
        else if (!strcmp(argv[i], "--shapes") && i + 1 < argc) which = argv[++i];
        else { printf("usage: fast [--reps N] [--sizes 1,16,64,700,2767] [--shapes 0.5b,14b,edge]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    g_sms = p.multiProcessorCount;
    g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    printf("device: %s, %d SMs\n", p.name, g_sms);
    for (int f = 0; f < 3; f++) {
        CK(cudaFuncSetAttribute(g_stream[f], cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
        CK(cudaFuncSetAttribute(g_tile[f], cudaFuncAttributeMaxDynamicSharedMemorySize, tile::tile_smem(64, 16, 2)));
    }
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    const int NMAX = *std::max_element(sizes.begin(), sizes.end());
    const Shape shapes[] = {{"0.5b", 896, 1152, 4864, 24}, {"14b", 5120, 15360, 13696, 4}, {"edge", 998, 1158, 1100, 2}};
    bool allEqual = true;
    for (const Shape& sh : shapes) {
        if (which.find(sh.name) == std::string::npos) continue;
        const long long H = sh.hidden, Q = sh.qkv, I = sh.inter;
        const long long rowsOf[4] = {Q, H, 2 * I, H}, kOf[4] = {H, H, H, I};
        const long long fmas = Q * H + H * H + 2 * I * H + H * I;  // per token and layer
        std::vector<Layer> L(sh.layers);
        for (int l = 0; l < sh.layers; l++) {
            Layer& w = L[l];
            for (int o = 0; o < 4; o++) {
                CK(cudaMalloc(&w.w[o], 2 * rowsOf[o] * kOf[o]));
                fill_bf16<<<1024, 256>>>(w.w[o], rowsOf[o] * kOf[o], 11 + 13 * o + l);
                w.portable[o] = relaid(w.w[o], (int)rowsOf[o], (int)kOf[o]);
                w.fast[0][o] = fast_laid(w.w[o], (int)rowsOf[o], (int)kOf[o]);
                w.fast[1][o] = nullptr;
                if (l == 0) {  // f32 weights of the same values: the same bits
                    float* wf; CK(cudaMalloc(&wf, 4 * rowsOf[o] * kOf[o]));
                    widen_bf16<<<1024, 256>>>(w.w[o], wf, rowsOf[o] * kOf[o]);
                    w.fast[1][o] = fast_laid(wf, (int)rowsOf[o], (int)kOf[o]);
                    CK(cudaDeviceSynchronize()); CK(cudaFree(wf));
                }
            }
            CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
            fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
            fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
        }
        Bufs b = alloc_bufs(sh, NMAX);
        CK(cudaMalloc(&g_a, (long long)(NMAX + 15) / 16 * ((std::max(H, I) + 31) / 32) * 1024));
        printf("\n%s: hidden %lld, qkv %lld, ffn %lld; %d layers of %.1f M weights\n", sh.name, H, Q, I, sh.layers, fmas / 1e6);

        // The bits every kernel must give: the decode shape inside the largest n; and the fp64 reference (64 tokens).
        const int nref = std::min(NMAX, 64);
        std::vector<float> want[4];
        std::vector<double> ref64[4];
        for (int o = 0; o < 4; o++) {
            const Proj q = projection(o, sh, L[0], b);
            proj(s, 0, 0, L[0], o, sh, b, NMAX);
            CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
            want[o] = fetch(q.y, outFloats(q, NMAX));
            double* r; CK(cudaMalloc(&r, 8 * outFloats(q, nref)));
            reference64<<<dim3((q.ldy + 127) / 128, nref), 128, 0, s>>>(L[0].w[o], q.x, q.xrows, q.nw, 1e-6f, r, q.bias,
                                                                        q.resid, q.rows, q.k, nref, q.flags);
            CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
            ref64[o].resize(outFloats(q, nref));
            CK(cudaMemcpy(ref64[o].data(), r, 8 * ref64[o].size(), cudaMemcpyDeviceToHost)); CK(cudaFree(r));
        }
        for (int n : sizes) {
            std::vector<int> rev(n);
            for (int t = 0; t < n; t++) rev[t] = n - 1 - t;
            CK(cudaMemcpy(b.rev, rev.data(), 4 * n, cudaMemcpyHostToDevice));
            const int nl = n <= 64 ? sh.layers : 1, r = n >= 700 ? std::min(reps, 3) : reps;
            const long long ne = std::min(n, nref);
            printf("n = %d (%d layer%s timed)\n%-14s %-6s %-6s %-9s | %10s %10s %8s %7s | %8s %8s %8s %8s\n", n, nl,
                   nl > 1 ? "s" : "", "kernel", "bits", "f32", "rel.err", "us/layer", "tok/s", "TFLOP/s", "x port.",
                   "qkv", "o", "gate/up", "down");
            float port = 0, best = 1e30f; int bestK = 0;
            for (int ki = -1; ki < NKINDS; ki++) {
                const char* verdict[2] = {"-", "-"};
                double err = 0;
                for (int d = 0; d < (ki < 0 ? 1 : 2); d++) {
                    bool same = true;
                    for (int o = 0; o < 5; o++) {
                        if (d == 1 && o == 4) continue;
                        const Proj q = projection(o, sh, L[0], b);
                        CK(cudaMemsetAsync(q.y, 0xff, 4 * outFloats(q, n), s));
                        proj(s, ki, d, L[0], o, sh, b, n);
                        CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                        const std::vector<float> got = fetch(q.y, outFloats(q, n));
                        if (d == 0 && o < 4) err = std::max(err, rel_error(got, ref64[o], ne * q.ldy));
                        if (ki < 0) continue;
                        if (o < 4) same = same && !memcmp(got.data(), want[o].data(), 4 * got.size());
                        else
                            for (int t = 0; t < n; t++)
                                same = same && !memcmp(&got[(long long)t * q.ldy], &want[0][(long long)(n - 1 - t) * q.ldy], 4 * q.ldy);
                    }
                    if (ki >= 0) verdict[d] = same ? "equal" : "DIFFER";
                    allEqual = allEqual && same;
                }
                auto chain = capture(s, [&] { for (int l = 0; l < nl; l++) for (int o = 0; o < 4; o++) proj(s, ki, 0, L[l], o, sh, b, n); });
                const float us = time_graph(s, chain, r) * 1e3f / nl;
                CK(cudaGraphExecDestroy(chain));
                float alone[4];
                for (int o = 0; o < 4; o++) {
                    auto g = capture(s, [&] { for (int l = 0; l < nl; l++) proj(s, ki, 0, L[l], o, sh, b, n); });
                    alone[o] = time_graph(s, g, r) * 1e3f / nl;
                    CK(cudaGraphExecDestroy(g));
                }
                if (ki < 0) port = us;
                else if (us < best) { best = us; bestK = ki; }
                printf("%-14s %-6s %-6s %9.2e | %10.1f %10.0f %8.2f %7.2f | %8.1f %8.1f %8.1f %8.1f\n",
                       ki < 0 ? (n == 1 ? "portable strm" : "portable tile") : g_kinds[ki].name, verdict[0], verdict[1],
                       err, us, n / (us * 1e-6), 2.0 * n * fmas / (us * 1e6), port / us, alone[0], alone[1], alone[2], alone[3]);
            }
            printf("fastest at n = %d: %s, %.1f us per layer, %.2fx portable\n", n, g_kinds[bestK].name, best, port / best);
        }
        for (Layer& w : L) {
            for (int o = 0; o < 4; o++) {
                cudaFree(w.w[o]); cudaFree((void*)w.portable[o]); cudaFree((void*)w.fast[0][o]);
                if (w.fast[1][o]) cudaFree((void*)w.fast[1][o]);
            }
            cudaFree(w.nIn); cudaFree(w.nPost); cudaFree(w.bias);
        }
        free_bufs(b); cudaFree(g_a);
    }
    printf("\nbatch invariance: %s\n", allEqual ? "every fast kernel, every n: equal bits" : "DIFFER (see above)");
    return allEqual ? 0 : 1;
}
