// Kernel-level benchmark of projections over many tokens (batch 16 and 64, prefill of 700 and 2,767 tokens) on the GPU
// machine: kernels/matvec.cu's token groups (the path before kernels/matvec_tile.cu) against matvec_tile.cu's shape
// the engine launches (64 x 16, its threads' staging and the copy engine's) and other tile shapes of both templates
// (the bulk 32 x 16 and 16 x 16: two blocks per multiprocessor, for grids the 64 x 16 leaves short; the bulk 64 x 16
// on 16 warps of 8 x 8), on the layer
// shapes of Qwen2.5-0.5B and Qwen1.5-14B and an edge shape (rows and tokens not multiples of a tile, k not a multiple
// of 4 or 32).
// Checks that every variant's outputs (layer 0's qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid, and qkv over
// input rows taken in reverse through xrows), with bf16 weights and with f32 weights of the same values, have the
// bits of reference.cuh's one-thread-per-(row, token) reference; then times, in CUDA graphs, the four projections of a
// layer in order (over every layer's own weights for n <= 64, one layer beyond) and prints µs per layer (and per
// projection), tokens/s through the layer's four projections, achieved TFLOP/s (2 flops per fma), and the ratio to
// the old path in the same run.
// Build: bench/device/kernels/build. Run: tiles [--reps N] [--sizes 16,64,700,2767] [--shapes 0.5b,14b,edge].
#include "../../../kernels/matvec.cu"
#include "../../../kernels/matvec_tile.cu"
#include "layer.cuh"
#include "reference.cuh"

#include <cstring>
#include <string>

// Tile shapes the engine does not launch: the same template, so the same bits.
template <typename T, int RW, int TW, int WR, int WT, int FLAGS, int MINB>
__global__ void __launch_bounds__(32 * WR * WT, MINB)
    tile_var(const T* W, const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias,
             const float* resid, int rows, int k, int stride, int ldx, int ldy, int n) {
    tile::tile_impl<T, RW, TW, WR, WT, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx, ldy, n);
}
// Bulk-staged shapes the engine does not launch (smaller blocks for projections whose 64 x 16 grid leaves
// multiprocessors idle: a small model's o and down at 16-64 tokens): the same template, so the same bits.
template <typename T, int RW, int TW, int WR, int WT, int FLAGS, int S, int MINB>
__global__ void __launch_bounds__(32 * WR * WT, MINB)
    bulk_var(const T* W, const float* x, const int* xrows, float* y, const float* bias, const float* resid, int rows,
             int k, int stride, int ldx, int ldy, int n) {
    tile::tile_bulk_impl<T, RW, TW, WR, WT, FLAGS, S>(W, x, xrows, y, bias, resid, rows, k, stride, ldx, ldy, n);
}
#define FNS(f0, f1, f2) {(const void*)f0, (const void*)f1, (const void*)f2}
#define BULK_VAR(T, RW, TW, WR, WT, S, MINB)                                                                    \
    FNS((bulk_var<T, RW, TW, WR, WT, 0, S, MINB>), (bulk_var<T, RW, TW, WR, WT, 0, S, MINB>),                  \
        (bulk_var<T, RW, TW, WR, WT, TILE_SILU, S, MINB>))
#define BULK_VARS(RW, TW, WR, WT, S, MINB) {BULK_VAR(unsigned short, RW, TW, WR, WT, S, MINB), BULK_VAR(float, RW, TW, WR, WT, S, MINB)}
#define VAR(T, RW, TW, WR, WT, MINB)                                                    \
    FNS((tile_var<T, RW, TW, WR, WT, 0, MINB>), (tile_var<T, RW, TW, WR, WT, 1, MINB>), \
        (tile_var<T, RW, TW, WR, WT, 3, MINB>))
#define VARS(RW, TW, WR, WT, MINB) {VAR(unsigned short, RW, TW, WR, WT, MINB), VAR(float, RW, TW, WR, WT, MINB)}
#define ENGINE(shape)                                                                                             \
    {FNS(matvec_tile_bf16_##shape, matvec_tile_bf16_norm_##shape, matvec_tile_bf16_norm_silu_##shape),            \
     FNS(matvec_tile_f32_##shape, matvec_tile_f32_norm_##shape, matvec_tile_f32_norm_silu_##shape)}

// rb == 0: matvec.cu (4 tokens per block where 4 input rows fit in shared memory, else 1)
// bulk: slots of the copy engine's ring (0: staged by the block's threads)
struct Kind { const char* name; int rb, tb, threads; const void* fn[2][3]; int bulk = 0; };
static const Kind g_kinds[] = {
    {"matvec t4 (old)", 0, 4, 256, {FNS(matvec_bf16_t4, matvec_bf16_norm_t4, matvec_bf16_norm_silu_t4),
                                    FNS(matvec_f32_t4, matvec_f32_norm_t4, matvec_f32_norm_silu_t4)}},
    {"tile 64x16", 64, 16, 256, ENGINE(64x16)},
    {"tile 32x32", 32, 32, 256, VARS(16, 8, 2, 4, 1)},
    {"tile 16x16", 16, 16, 128, VARS(8, 8, 2, 2, 2)},
    {"tile 32x16", 32, 16, 256, VARS(8, 8, 4, 2, 1)},
    {"tile 16x32", 16, 32, 256, VARS(8, 8, 2, 4, 1)},
    {"tile 32x8", 32, 8, 64, VARS(16, 8, 2, 1, 2)},
    {"bulk 64x16", 64, 16, 256, {FNS(matvec_tile_bulk_bf16_64x16, matvec_tile_bulk_bf16_64x16, matvec_tile_bulk_bf16_silu_64x16),
                                 FNS(matvec_tile_bulk_f32_64x16, matvec_tile_bulk_f32_64x16, matvec_tile_bulk_f32_silu_64x16)}, TILE_BULK_SLOTS},
    {"bulk 32x16 s3", 32, 16, 128, BULK_VARS(16, 8, 2, 2, 3, 2), 3},  // two blocks per multiprocessor
    {"bulk 16x16", 16, 16, 128, BULK_VARS(8, 8, 2, 2, 4, 2), 4},
    // the engine's 64 x 16 block on 16 warps of 8 rows x 8 tokens (64 sums per lane, not 128: four warps per
    // scheduler to hide the shared loads, not two, for fewer fmas per load): for the FMA-bound large steps
    {"bulk 64x16 w16", 64, 16, 512, BULK_VARS(8, 8, 8, 2, 4, 1), 4},
};
static float* g_xn;  // x' of the bulk tiles' norm pass (rows of k rounded up to 4)
static const void* g_t1[2][3] = {FNS(matvec_bf16_t1, matvec_bf16_norm_t1, matvec_bf16_norm_silu_t1),
                                 FNS(matvec_f32_t1, matvec_f32_norm_t1, matvec_f32_norm_silu_t1)};
constexpr int NKINDS = sizeof(g_kinds) / sizeof(g_kinds[0]);
static int g_smem;  // dynamic shared memory a block may take

// One projection of n tokens with kind ki, weights LW of dtype d (0 bf16, 1 f32) in the projection layout.
static void proj(cudaStream_t s, int ki, int d, int flags, const void* LW, int rows, int k, const float* x,
                 const int* xrows, const float* nw, float* y, int ldy, const float* bias, const float* resid, int n) {
    const Kind& K = g_kinds[ki];
    const int gs = d == 0 ? 8 : 4, fi = flags == 0 ? 0 : flags == 1 ? 1 : 2;
    float eps = 1e-6f; int ldx = k, stride = (k + gs - 1) / gs * gs;
    if (K.rb == 0) {
        const int tg = 4 * 4 * ((k + 3) & ~3) <= g_smem ? 4 : 1, rpb = 8 * (tg == 1 ? 1 : 4);
        const char* nx = nullptr; long long nb = 0;
        void* args[] = {&LW, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n, &nx, &nb};
        CK(cudaLaunchKernel(tg == 4 ? K.fn[d][fi] : g_t1[d][fi], dim3((rows + rpb - 1) / rpb, (n + tg - 1) / tg),
                            dim3(256), args, 4 * tg * ((k + 3) & ~3), s));
        return;
    }
    if (K.bulk) {
        if (flags & 1) {  // the norm first, into x'
            int ldn = (k + 3) & ~3;
            void* na[] = {&x, &xrows, &ldx, &nw, &eps, &g_xn, &ldn, &k};
            CK(cudaLaunchKernel((const void*)matvec_tile_norm_rows, dim3(n), dim3(256), na, 0, s));
            x = g_xn; xrows = nullptr; ldx = ldn;
        } else if ((ldx & 3) != 0) {  // rows not 16-byte aligned: copied to aligned rows first
            int ldn = (k + 3) & ~3;
            CK(cudaMemcpy2DAsync(g_xn, 4 * ldn, x, 4 * ldx, 4 * k, n, cudaMemcpyDeviceToDevice, s));
            x = g_xn; ldx = ldn;
        }
        const long long blocks = (long long)((rows + K.rb - 1) / K.rb) * ((n + K.tb - 1) / K.tb);
        void* a[] = {&LW, &x, &xrows, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n};
        // tile::BulkSmem: slots of the block's weight rows (512 bytes) and input rows of one layout group
        const int smem = K.bulk * (K.rb * 512 + K.tb * (d == 0 ? 256 : 128) * 4);
        CK(cudaLaunchKernel(K.fn[d][fi], dim3((unsigned)blocks), dim3(K.threads), a, smem, s));
        return;
    }
    void* args[] = {&LW, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n};
    const long long blocks = (long long)((rows + K.rb - 1) / K.rb) * ((n + K.tb - 1) / K.tb);
    CK(cudaLaunchKernel(K.fn[d][fi], dim3((unsigned)blocks), dim3(K.threads), args,
                        tile::tile_smem(K.rb, K.tb, d == 0 ? 2 : 4), s));
}

struct Layer { unsigned short *w[4]; const void* l[2][4]; float *nIn, *nPost, *bias; };  // qkv, o, gate/up, down

static void run(cudaStream_t s, int ki, int d, const Shape& sh, const Layer& w, const Bufs& b, int p, int n) {
    const Proj q = projection(p, sh, w, b);
    proj(s, ki, d, q.flags, w.l[d][p == 4 ? 0 : p], q.rows, q.k, q.x, q.xrows, q.nw, q.y, q.ldy, q.bias, q.resid, n);
}

int main(int argc, char** argv) {
    int reps = 10;
    std::vector<int> sizes = {16, 64, 700, 2767};
    std::string which = "0.5b,14b,edge";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) sizes = list(argv[++i]);
        else if (!strcmp(argv[i], "--shapes") && i + 1 < argc) which = argv[++i];
        else { printf("usage: tiles [--reps N] [--sizes 16,64,700,2767] [--shapes 0.5b,14b,edge]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    printf("device: %s, %d SMs\n", p.name, p.multiProcessorCount);
    g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    for (const Kind& K : g_kinds)
        for (int d = 0; d < 2; d++)
            for (int f = 0; f < 3; f++) CK(cudaFuncSetAttribute(K.fn[d][f], cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    for (int d = 0; d < 2; d++)
        for (int f = 0; f < 3; f++) CK(cudaFuncSetAttribute(g_t1[d][f], cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    const int NMAX = *std::max_element(sizes.begin(), sizes.end());
    const Shape shapes[] = {{"0.5b", 896, 1152, 4864, 24}, {"14b", 5120, 15360, 13696, 4}, {"edge", 998, 1158, 1100, 2}};
    int widest = 0;  // the longest input row of any projection: x' and the aligned copies of the bulk tiles
    for (const Shape& sh : shapes) widest = std::max(widest, (std::max(sh.hidden, sh.inter) + 3) & ~3);
    CK(cudaMalloc(&g_xn, 4LL * NMAX * widest));
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
                w.l[0][o] = relaid(w.w[o], (int)rowsOf[o], (int)kOf[o]);
                w.l[1][o] = nullptr;
                if (l == 0) {  // f32 weights of the same values, for the bit check
                    float* wf; CK(cudaMalloc(&wf, 4 * rowsOf[o] * kOf[o]));
                    widen_bf16<<<1024, 256>>>(w.w[o], wf, rowsOf[o] * kOf[o]);
                    w.l[1][o] = relaid(wf, (int)rowsOf[o], (int)kOf[o]);
                    CK(cudaDeviceSynchronize()); CK(cudaFree(wf));
                }
            }
            CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
            fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
            fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
        }
        Bufs b = alloc_bufs(sh, NMAX);
        printf("\n%s: hidden %lld, qkv %lld, ffn %lld; %d layers of %.1f M weights\n", sh.name, H, Q, I, sh.layers, fmas / 1e6);
        for (int n : sizes) {
            std::vector<int> rev(n);
            for (int t = 0; t < n; t++) rev[t] = n - 1 - t;
            CK(cudaMemcpy(b.rev, rev.data(), 4 * n, cudaMemcpyHostToDevice));
            std::vector<float> want[5], got;
            for (int o = 0; o < 5; o++) {  // the reference, natural bf16 weights
                const Proj q = projection(o, sh, L[0], b);
                const int outRows = q.flags & 2 ? q.rows / 2 : q.rows;
                reference<<<dim3((outRows + 127) / 128, n), 128, 0, s>>>(L[0].w[o == 4 ? 0 : o], q.x, q.xrows, q.nw, 1e-6f,
                                                                         q.y, q.bias, q.resid, q.rows, q.k, n, q.flags);
                CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                want[o].resize(outFloats(q, n));
                CK(cudaMemcpy(want[o].data(), q.y, 4 * want[o].size(), cudaMemcpyDeviceToHost));
            }
            const int nl = n <= 64 ? sh.layers : 1, r = n >= 700 ? std::min(reps, 3) : reps;
            printf("n = %d (%d layer%s timed)\n%-16s %-5s %-5s | %10s %10s %8s %6s | %8s %8s %8s %8s\n", n, nl,
                   nl > 1 ? "s" : "", "variant", "bf16", "f32", "us/layer", "tok/s", "TFLOP/s", "x old", "qkv", "o",
                   "gate/up", "down");
            float old = 0, best = 1e30f; int bestK = 0;
            for (int ki = 0; ki < NKINDS; ki++) {
                const char* verdict[2];
                for (int d = 0; d < 2; d++) {
                    bool same = true;
                    for (int o = 0; o < 5; o++) {
                        const Proj q = projection(o, sh, L[0], b);
                        CK(cudaMemsetAsync(q.y, 0xff, 4 * outFloats(q, n), s));
                        run(s, ki, d, sh, L[0], b, o, n);
                        CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                        got.resize(outFloats(q, n));
                        CK(cudaMemcpy(got.data(), q.y, 4 * got.size(), cudaMemcpyDeviceToHost));
                        same = same && !memcmp(got.data(), want[o].data(), 4 * got.size());
                    }
                    verdict[d] = same ? "equal" : "DIFFER";
                }
                auto chain = capture(s, [&] { for (int l = 0; l < nl; l++) for (int o = 0; o < 4; o++) run(s, ki, 0, sh, L[l], b, o, n); });
                const float us = time_graph(s, chain, r) * 1e3f / nl;
                CK(cudaGraphExecDestroy(chain));
                float alone[4];
                for (int o = 0; o < 4; o++) {
                    auto g = capture(s, [&] { for (int l = 0; l < nl; l++) run(s, ki, 0, sh, L[l], b, o, n); });
                    alone[o] = time_graph(s, g, r) * 1e3f / nl;
                    CK(cudaGraphExecDestroy(g));
                }
                if (ki == 0) old = us;
                if (us < best) { best = us; bestK = ki; }
                printf("%-16s %-5s %-5s | %10.1f %10.0f %8.2f %6.2f | %8.1f %8.1f %8.1f %8.1f\n", g_kinds[ki].name,
                       verdict[0], verdict[1], us, n / (us * 1e-6), 2.0 * n * fmas / (us * 1e6), old / us, alone[0],
                       alone[1], alone[2], alone[3]);
            }
            printf("fastest at n = %d: %s (%.2fx the old path)\n", n, g_kinds[bestK].name, old / best);
        }
        for (Layer& w : L) {
            for (int o = 0; o < 4; o++) { cudaFree(w.w[o]); cudaFree((void*)w.l[0][o]); if (w.l[1][o]) cudaFree((void*)w.l[1][o]); }
            cudaFree(w.nIn); cudaFree(w.nPost); cudaFree(w.bias);
        }
        free_bufs(b);
    }
    return 0;
}
