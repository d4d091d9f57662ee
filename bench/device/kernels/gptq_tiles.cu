// Kernel-level benchmark of GPTQ projections over many tokens (batch 16 and 64, prefill of 700 and 2,767 tokens) on
// the GPU machine: kernels/gptq_matvec.cu's token groups (the path before kernels/gptq_tile.cu) against gptq_tile.cu's
// shape the engine launches (64 x 16, on x' normed first as the engine stages it, or with the norm fused) and other
// shapes of the same template (and, int8 group 128, its bulk ring), on the Qwen1.5-14B layer (hidden 5120,
// qkv 15360 with bias, FFN 13696) at int8 group 128, int4 group 128, int8 and int4 act-order, and on an edge shape
// (rows and tokens not multiples of a tile, k not a multiple of 512 nor of 32, groups of 96: the kernels taking any
// group size).
// Checks that every variant's outputs (layer 0's qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid, and qkv over
// input rows taken in reverse through xrows) have the bits of gptq_lin.cuh's one-thread reference; then times, in CUDA
// graphs, the four projections of a layer in order (over every layer's own weights for n <= 64, one layer beyond) and
// prints µs per layer (and per projection), tokens/s through the layer's projections, and the ratio to the token
// groups in the same run.
// Build: bench/device/kernels/build. Run: gptq_tiles [--reps N] [--sizes 16,64,700,2767] [--layers N]
//   [--kinds int8,int4,int8act,int4act,edge].
#include "../../../kernels/gptq_matvec.cu"
#include "../../../kernels/gptq_tile.cu"
#include "../../../kernels/tile_bulk.cuh"
#include "gptq_lin.cuh"

#include <cstring>
#include <string>

// Tile shapes the engine does not launch: the same template, so the same bits.
template <int BITS, int GQ, int RW, int TW, int WR, int WT, int FLAGS, int ST, int MINB, int UU, bool BULK = false>
__global__ void __launch_bounds__(32 * WR * WT, MINB)
    gt_var(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x,
           const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,
           int k, int stride, int groups, int ldx, int ldy, int n) {
    gtile::gtile_impl<BITS, GQ, RW, TW, WR, WT, FLAGS, ST, UU, BULK>(Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y,
                                                                 bias, resid, rows, k, stride, groups, ldx, ldy, n);
}
// Group kinds: 0 any chunk-aligned size, 1 group 128, 2 act-order; fused: 0 none, 1 norm, 2 norm + silu.
using Fn = const void* (*)(int bits, int gk, int f);
template <int RW, int TW, int WR, int WT, int ST, int MINB, int UU = 0> const void* var_fn(int bits, int gk, int f) {
#define GT(B, G) (f == 0 ? (const void*)gt_var<B, G, RW, TW, WR, WT, 0, ST, MINB, UU>                               \
                  : f == 1 ? (const void*)gt_var<B, G, RW, TW, WR, WT, TILE_NORM, ST, MINB, UU>                     \
                           : (const void*)gt_var<B, G, RW, TW, WR, WT, TILE_NORM | TILE_SILU, ST, MINB, UU>)
    if (gk == 0) return nullptr;  // the shipped kernels cover any group size
    if (bits == 8) return gk == 1 ? GT(8, 4) : GT(8, GTILE_ACT);
    return gk == 1 ? GT(4, 4) : GT(4, GTILE_ACT);
#undef GT
}
// The engine's shape on an input normed first (the dense tiles' matvec_tile_norm_rows, as ProjectionKernels stages
// it): no fused norm in the tile, silu(gate) * up alone for gate/up. f: 0 none, 1 norm, 2 norm + silu.
static const void* prenorm_fn(int bits, int gk, int f) {
#define PN(B, G) (f == 2 ? (const void*)gt_var<B, G, 8, 16, 8, 1, TILE_SILU, 2, 1, 0>                                \
                         : (const void*)gt_var<B, G, 8, 16, 8, 1, 0, 2, 1, 0>)
    if (bits == 8) return gk == 0 ? PN(8, GTILE_ANY) : gk == 1 ? PN(8, 4) : PN(8, GTILE_ACT);
    return gk == 0 ? PN(4, GTILE_ANY) : gk == 1 ? PN(4, 4) : PN(4, GTILE_ACT);
#undef PN
}
// The same on x' with the bulk ring (gtile_impl's BULK: int8 group 128 only, three slots).
static const void* prenorm_bulk_fn(int bits, int gk, int f) {
    if (bits != 8 || gk != 1) return nullptr;
    return f == 2 ? (const void*)gt_var<8, 4, 8, 16, 8, 1, TILE_SILU, 3, 1, 0, true>
                  : (const void*)gt_var<8, 4, 8, 16, 8, 1, 0, 3, 1, 0, true>;
}
__global__ void __launch_bounds__(256) gt_norm_rows(const float* x, const int* xrows, int ldx, const float* nw,
                                                    float eps, float* xn, int ldn, int k) {
    tile::norm_rows_impl(x, xrows, ldx, nw, eps, xn, ldn, k);
}
static float* g_xn;  // x' of the prenorm kind: rows of k rounded up to 4

#define FUSED3(base) {(const void*)base##_64x16, (const void*)base##_norm_64x16, (const void*)base##_norm_silu_64x16}
static const void* shipped_fn(int bits, int gk, int f) {
    static const void* fns[2][3][3] = {
        {FUSED3(gptq_tile_int8), FUSED3(gptq_tile_int8_g128), FUSED3(gptq_tile_int8_act)},
        {FUSED3(gptq_tile_int4), FUSED3(gptq_tile_int4_g128), FUSED3(gptq_tile_int4_act)}};
    return fns[bits == 8 ? 0 : 1][gk][f];
}
#define MATVEC3(base) {(const void*)base##_t4, (const void*)base##_norm_t4, (const void*)base##_norm_silu_t4}
#define MATVEC1(base) {(const void*)base##_t1, (const void*)base##_norm_t1, (const void*)base##_norm_silu_t1}
static const void* g_mv[2][2][2][3] = {  // [bits 8/4][act][tokens per block 4/1][fused]
    {{MATVEC3(gptq_int8), MATVEC1(gptq_int8)}, {MATVEC3(gptq_int8_act), MATVEC1(gptq_int8_act)}},
    {{MATVEC3(gptq_int4), MATVEC1(gptq_int4)}, {MATVEC3(gptq_int4_act), MATVEC1(gptq_int4_act)}}};

// rb == 0: gptq_matvec.cu's token groups (4 tokens per block where 4 input rows fit in shared memory, else 1);
// stages 0: the shipped shape's (2)
struct Kind { const char* name; int rb, tb, threads, stages; Fn fn; bool prenorm = false, bulk = false; };
static const Kind g_kinds[] = {
    {"matvec t4 (old)", 0, 4, 256, 0, nullptr},
    {"tile 64x16", 64, 16, 256, 0, shipped_fn},
    {"tile 64x16 s3", 64, 16, 256, 3, var_fn<8, 16, 8, 1, 3, 1>},
    {"tile 64x16 u1", 64, 16, 256, 2, var_fn<8, 16, 8, 1, 2, 1, 1>},  // int8's two units a loop (int4 has one)
    {"tile 32x32 s2", 32, 32, 256, 2, var_fn<8, 16, 4, 2, 2, 1>},
    {"tile 32x16 s2", 32, 16, 128, 2, var_fn<8, 16, 4, 1, 2, 2>},
    {"tile 32x16 8w", 32, 16, 256, 2, var_fn<8, 8, 4, 2, 2, 2>},  // 8 x 8 per warp: two blocks per multiprocessor
    {"tile 64x16 prenorm", 64, 16, 256, 0, prenorm_fn, true},
    {"bulk 64x16 prenorm", 64, 16, 256, 3, prenorm_bulk_fn, true, true},
};
constexpr int NKINDS = sizeof(g_kinds) / sizeof(g_kinds[0]);
static int g_smem;  // dynamic shared memory a block may take

// One quantised configuration: bits, group kind, group size.
struct Quant { const char* name; int bits, gk, gsz; };
static int gq_of(int gk) { return gk == 0 ? GTILE_ANY : gk == 1 ? 4 : GTILE_ACT; }
static int stages_of(const Kind& K, const Quant&) { return K.stages ? K.stages : 2; }
static int smem_of(const Kind& K, const Quant& q, const Lin& w) {
    return gtile::gtile_smem(q.bits, gq_of(q.gk), K.rb, K.tb, stages_of(K, q), w.groups, K.bulk);
}

// One projection of n tokens with kind ki: y = W x (+ bias) (+ resid), fused per flags (1: norm, 3: norm + silu).
static void proj(cudaStream_t s, int ki, const Quant& qz, const Lin& w, const int* gidx, int flags, const float* x,
                 const int* xrows, const float* nw, float* y, int ldy, const float* bias, const float* resid, int n) {
    const Kind& K = g_kinds[ki];
    const int fi = flags == 0 ? 0 : flags == 1 ? 1 : 2;
    float eps = 1e-6f; const int* rowPart = nullptr;
    int gsz = qz.gk == 2 ? 0 : qz.gsz, rows = w.rows, k = w.k, stride = w.stride, groups = w.groups, ldx = k;
    void* args[] = {(void*)&w.q, (void*)&w.tab, &gidx, &rowPart, &gsz, &x, &xrows, &nw, &eps, &y, &bias, &resid,
                    &rows, &k, &stride, &groups, &ldx, &ldy, &n};
    if (K.rb == 0) {
        const int tg = 4 * 4 * ((k + 3) & ~3) <= g_smem ? 4 : 1, rpb = 8 * (qz.bits == 8 ? 2 : 4);
        CK(cudaLaunchKernel(g_mv[qz.bits == 8 ? 0 : 1][qz.gk == 2][tg == 4 ? 0 : 1][fi],
                            dim3((rows + rpb - 1) / rpb, (n + tg - 1) / tg), dim3(256), args, 4 * tg * ((k + 3) & ~3), s));
        return;
    }
    if (K.prenorm && (flags & 1)) {  // x' first, then the tile without the norm (args point at x, xrows, nw, ldx)
        int ldn = (k + 3) & ~3;
        void* na[] = {&x, &xrows, &ldx, &nw, &eps, &g_xn, &ldn, &k};
        CK(cudaLaunchKernel((const void*)gt_norm_rows, dim3(n), dim3(256), na, 0, s));
        x = g_xn; xrows = nullptr; nw = nullptr; ldx = ldn;
    }
    const long long blocks = (long long)((rows + K.rb - 1) / K.rb) * ((n + K.tb - 1) / K.tb);
    CK(cudaLaunchKernel(K.fn(qz.bits, qz.gk, fi), dim3((unsigned)blocks), dim3(K.threads), args, smem_of(K, qz, w), s));
}

struct Shape { const char* name; int hidden, qkv, inter; };
struct Layer { Lin lin[4]; float *nIn, *nPost, *bias; };  // qkv, o, gate/up, down
struct Bufs { float *x0, *attn, *hin, *xres, *y[5]; int *rev, *gidx[2]; };

// Projection p (0 qkv, 1 o, 2 gate/up, 3 down, 4 qkv over reversed rows) of layer w: its linear and buffers.
struct Proj { int lin, flags, ldy; const float *x, *nw, *bias, *resid; const int *xrows, *gidx; float* y; };
static Proj projection(int p, const Shape& sh, const Layer& w, const Bufs& b) {
    const int H = sh.hidden, Q = sh.qkv, I = sh.inter;
    switch (p) {
        case 0: return {0, 1, Q, b.x0, w.nIn, w.bias, nullptr, nullptr, b.gidx[0], b.y[0]};
        case 1: return {1, 0, H, b.attn, nullptr, nullptr, b.xres, nullptr, b.gidx[0], b.y[1]};
        case 2: return {2, 3, I, b.x0, w.nPost, nullptr, nullptr, nullptr, b.gidx[0], b.y[2]};
        case 3: return {3, 0, H, b.hin, nullptr, nullptr, b.xres, nullptr, b.gidx[1], b.y[3]};
        default: return {0, 1, Q, b.x0, w.nIn, w.bias, nullptr, b.rev, b.gidx[0], b.y[4]};
    }
}
static void run(cudaStream_t s, int ki, const Quant& qz, const Shape& sh, const Layer& w, const Bufs& b, int p, int n) {
    const Proj q = projection(p, sh, w, b);
    proj(s, ki, qz, w.lin[q.lin], q.gidx, q.flags, q.x, q.xrows, q.nw, q.y, q.ldy, q.bias, q.resid, n);
}

static std::vector<int> list(const char* s) {
    std::vector<int> v;
    for (const char* p = s; *p; p++) if (p == s || p[-1] == ',') v.push_back(atoi(p));
    return v;
}

int main(int argc, char** argv) {
    int reps = 10, layers = 4;
    std::vector<int> sizes = {16, 64, 700, 2767};
    std::string which = "int8,int4,int8act,int4act,edge";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sizes") && i + 1 < argc) sizes = list(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) layers = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--kinds") && i + 1 < argc) which = argv[++i];
        else {
            printf("usage: gptq_tiles [--reps N] [--sizes 16,64,700,2767] [--layers N] [--kinds int8,int4,int8act,int4act,edge]\n");
            return 0;
        }
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);  // whole lines even when a pipe takes them
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    printf("device: %s, %d SMs\n", p.name, p.multiProcessorCount);
    g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    for (int b = 0; b < 2; b++)
        for (int a = 0; a < 2; a++)
            for (int t = 0; t < 2; t++)
                for (int f = 0; f < 3; f++) CK(cudaFuncSetAttribute(g_mv[b][a][t][f], cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    for (const Kind& K : g_kinds)
        for (int bits : {8, 4})
            for (int gk = 0; gk < 3; gk++)
                for (int f = 0; f < 3; f++)
                    if (K.fn && K.fn(bits, gk, f)) CK(cudaFuncSetAttribute(K.fn(bits, gk, f), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    struct Run { const char* key; Shape sh; Quant qz[3]; int nq, layers; std::vector<int> sizes; };
    const Shape q14 = {"qwen1.5-14b", 5120, 15360, 13696}, edge = {"edge", 1000, 1160, 1100};
    const Run runs[] = {
        {"int8", q14, {{"int8 group 128", 8, 1, 128}}, 1, layers, sizes},
        {"int4", q14, {{"int4 group 128", 4, 1, 128}}, 1, layers, sizes},
        {"int8act", q14, {{"int8 act-order (group 128)", 8, 2, 128}}, 1, layers, sizes},
        {"int4act", q14, {{"int4 act-order (group 128)", 4, 2, 128}}, 1, layers, sizes},
        {"edge", edge, {{"int8 group 96", 8, 0, 96}, {"int8 group 128", 8, 1, 128}, {"int8 act-order", 8, 2, 64}}, 3, 1, {5, 37}},
        {"edge", edge, {{"int4 group 96", 4, 0, 96}, {"int4 group 128", 4, 1, 128}, {"int4 act-order", 4, 2, 64}}, 3, 1, {5, 37}},
    };
    for (const Run& R : runs) {
        if (which.find(R.key) == std::string::npos) continue;
        const Shape& sh = R.sh;
        const long long H = sh.hidden, Q = sh.qkv, I = sh.inter;
        const int NMAX = *std::max_element(R.sizes.begin(), R.sizes.end());
        const long long fmas = Q * H + H * H + 2 * I * H + H * I;  // per token and layer
        Bufs b;
        CK(cudaMalloc(&b.x0, 4 * NMAX * H)); CK(cudaMalloc(&b.attn, 4 * NMAX * H)); CK(cudaMalloc(&b.hin, 4 * NMAX * I));
        CK(cudaMalloc(&b.xres, 4 * NMAX * H)); CK(cudaMalloc(&b.rev, 4 * NMAX));
        CK(cudaMalloc(&g_xn, 4 * NMAX * ((H + 3) & ~3)));
        CK(cudaMalloc(&b.gidx[0], 4 * H)); CK(cudaMalloc(&b.gidx[1], 4 * I));
        const long long yf[5] = {Q, H, I, H, Q};
        for (int o = 0; o < 5; o++) CK(cudaMalloc(&b.y[o], 4 * NMAX * yf[o]));
        fill_f32<<<256, 256>>>(b.x0, NMAX * H, 3, -2.0f, 2.0f); fill_f32<<<256, 256>>>(b.attn, NMAX * H, 4, -1.0f, 1.0f);
        fill_f32<<<256, 256>>>(b.hin, NMAX * I, 6, -1.0f, 1.0f); fill_f32<<<256, 256>>>(b.xres, NMAX * H, 8, -1.0f, 1.0f);
        for (int qi = 0; qi < R.nq; qi++) {
            const Quant& qz = R.qz[qi];
            std::vector<Layer> L(R.layers);
            for (int l = 0; l < R.layers; l++) {
                Layer& w = L[l];
                w.lin[0] = make_lin(Q, H, qz.bits, 11 + l, qz.gsz); w.lin[1] = make_lin(H, H, qz.bits, 23 + l, qz.gsz);
                w.lin[2] = make_lin(2 * I, H, qz.bits, 37 + l, qz.gsz); w.lin[3] = make_lin(H, I, qz.bits, 41 + l, qz.gsz);
                CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
                fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
                fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
            }
            fill_gidx<<<64, 256>>>(b.gidx[0], H, qz.gk == 2, qz.gsz); fill_gidx<<<64, 256>>>(b.gidx[1], I, qz.gk == 2, qz.gsz);
            CK(cudaDeviceSynchronize()); CK(cudaGetLastError());
            printf("\n%s %s: hidden %lld, qkv %lld, ffn %lld; %d layers of %.1f M weights\n", sh.name, qz.name, H, Q, I,
                   R.layers, fmas / 1e6);
            for (int n : R.sizes) {
                std::vector<int> rev(n);
                for (int t = 0; t < n; t++) rev[t] = n - 1 - t;
                CK(cudaMemcpy(b.rev, rev.data(), 4 * n, cudaMemcpyHostToDevice));
                std::vector<float> want[5], got;
                for (int o = 0; o < 5; o++) {
                    const Proj q = projection(o, sh, L[0], b);
                    const Lin& w = L[0].lin[q.lin];
                    const int outs = q.flags & 2 ? w.rows / 2 : w.rows;
                    reference<<<dim3((outs + 127) / 128, n), 128, 0, s>>>(w.qn, w.s, w.z, q.gidx, w.groups, q.x, q.xrows,
                                                                         q.nw, 1e-6f, q.y, q.bias, q.resid, w.rows, w.k, q.flags);
                    CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                    want[o].resize((long long)n * q.ldy);
                    CK(cudaMemcpy(want[o].data(), q.y, 4 * want[o].size(), cudaMemcpyDeviceToHost));
                }
                const int nl = n <= 64 ? R.layers : 1, r = n >= 700 ? std::min(reps, 3) : reps;
                printf("n = %d (%d layer%s timed)\n%-16s %-6s | %10s %10s %7s | %9s %9s %9s %9s\n", n, nl, nl > 1 ? "s" : "",
                       "variant", "bits", "us/layer", "tok/s", "x old", "qkv", "o", "gate/up", "down");
                float old = 0, best = 1e30f; int bestK = 0;
                for (int ki = 0; ki < NKINDS; ki++) {
                    const Kind& K = g_kinds[ki];
                    if (K.rb && !K.fn(qz.bits, qz.gk, 0)) continue;
                    if (K.rb) {
                        int need = 0;
                        for (int o = 0; o < 4; o++) need = std::max(need, smem_of(K, qz, L[0].lin[o]));
                        if (need > g_smem) { printf("%-16s needs %d bytes of shared memory, the GPU has %d\n", K.name, need, g_smem); continue; }
                    }
                    fprintf(stderr, "gptq_tiles: %s %s n=%d %s\n", sh.name, qz.name, n, K.name);
                    bool same = true;
                    for (int o = 0; o < 5; o++) {
                        const Proj q = projection(o, sh, L[0], b);
                        CK(cudaMemsetAsync(q.y, 0xff, 4 * want[o].size(), s));
                        run(s, ki, qz, sh, L[0], b, o, n);
                        CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                        got.resize(want[o].size());
                        CK(cudaMemcpy(got.data(), q.y, 4 * got.size(), cudaMemcpyDeviceToHost));
                        same = same && !memcmp(got.data(), want[o].data(), 4 * got.size());
                    }
                    auto chain = capture(s, [&] { for (int l = 0; l < nl; l++) for (int o = 0; o < 4; o++) run(s, ki, qz, sh, L[l], b, o, n); });
                    const float us = time_graph(s, chain, r) * 1e3f / nl;
                    CK(cudaGraphExecDestroy(chain));
                    float alone[4];
                    for (int o = 0; o < 4; o++) {
                        auto g = capture(s, [&] { for (int l = 0; l < nl; l++) run(s, ki, qz, sh, L[l], b, o, n); });
                        alone[o] = time_graph(s, g, r) * 1e3f / nl;
                        CK(cudaGraphExecDestroy(g));
                    }
                    if (ki == 0) old = us;
                    if (us < best) { best = us; bestK = ki; }
                    printf("%-16s %-6s | %10.1f %10.0f %7.2f | %9.1f %9.1f %9.1f %9.1f\n", K.name, same ? "equal" : "DIFFER",
                           us, n / (us * 1e-6), old / us, alone[0], alone[1], alone[2], alone[3]);
                }
                printf("fastest at n = %d: %s (%.2fx the old path)\n", n, g_kinds[bestK].name, old / best);
            }
            for (Layer& w : L) {
                for (Lin& l : w.lin) free_lin(l);
                cudaFree(w.nIn); cudaFree(w.nPost); cudaFree(w.bias);
            }
        }
        for (float* f : {b.x0, b.attn, b.hin, b.xres, g_xn}) cudaFree(f);
        for (int o = 0; o < 5; o++) cudaFree(b.y[o]);
        cudaFree(b.rev); cudaFree(b.gidx[0]); cudaFree(b.gidx[1]);
    }
    return 0;
}
