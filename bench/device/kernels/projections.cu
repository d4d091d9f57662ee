// Kernel-level benchmark of the decode step's projections on the GPU machine (no JDK needed): kernels/matvec.cu (the
// projection layout of kernels/layout.cuh, a warp per row) and kernels/matvec_stream.cu (one token, weights streamed
// through shared memory by the bulk copy engine) at several ring shapes (slots per warp x groups per segment),
// on the layer shapes of Qwen2.5-0.5B and Qwen1.5-14B, each layer with its own weights (more than L2 holds, as in
// decode). Checks that every variant's outputs have the bits of a one-thread-per-row canonical dot written here
// (for 1 and 16 tokens), then times, in CUDA graphs:
//   chain   one layer's four projections in order (qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid), per layer
//   chain+pf the same, each launch prefetching the next projection's weights into L2
//   alone   each projection type over all layers' weights
// and prints µs per layer, GB/s, and the fraction of the copy bandwidth measured in the same run.
// Build: bench/device/kernels/build (nvcc, portable flags). Run: projections [--layers14 N] [--reps N].
#include "../../../kernels/matvec.cu"
#include "../../../kernels/matvec_stream.cu"
#include "tile.cuh"
#include "harness.cuh"

#include <cstring>
#include <string>

// The reference: one thread per row, its 32 partials in registers, natural row-major weights (numerics.md §2).
__global__ void reference(const unsigned short* W, const float* x, const float* nw, float eps, float* y,
                          const float* bias, const float* resid, int rows, int k, int n, int flags) {
    const int o = blockIdx.x * blockDim.x + threadIdx.x, t = blockIdx.y;
    if (o >= rows) return;
    const float* xr = x + (long long)t * k;
    float invr = 1.0f;
    if (flags & 1) {
        float ss[32] = {0};
        for (int i = 0; i < k; i++) ss[i % 32] = fmaf(xr[i], xr[i], ss[i % 32]);
        invr = inv::inv_sqrt_canon(inv::tree32(ss, 32) / (float)k + eps);
    }
    auto dot = [&](int r) {
        float p[32] = {0};
        for (int i = 0; i < k; i++) {
            const float xi = (flags & 1) ? nw[i] * (xr[i] * invr) : xr[i];
            p[i % 32] = fmaf(xi, inv::bf16_to_f32(W[(long long)r * k + i]), p[i % 32]);
        }
        return inv::tree32(p, 32);
    };
    if (flags & 2) {
        if (o * 2 + 1 < rows) y[(long long)t * (rows / 2) + o] = inv::silu_canon(dot(2 * o)) * dot(2 * o + 1);
        return;
    }
    float v = dot(o);
    if (bias) v = v + bias[o];
    if (resid) v = resid[(long long)t * rows + o] + v;
    y[(long long)t * rows + o] = v;
}


#include "split.cuh"

// matvec_stream.cu at other ring shapes (slots per warp, groups per segment): same values, other timings.
template <int FLAGS, int NSLOT, int SEGG>
__global__ void __launch_bounds__(32 * STREAM_WARPS, 1) stream_var(const unsigned short* W, const float* x, const int* xrows,
        const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, int k, int stride, int ldx) {
    stream_impl<unsigned short, FLAGS, NSLOT, SEGG>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx);
}
template <int NSLOT, int SEGG> struct StreamSet {
    static const void* fn(int flags) {
        return flags == 0 ? (const void*)stream_var<0, NSLOT, SEGG> : flags == 1 ? (const void*)stream_var<1, NSLOT, SEGG>
                                                                            : (const void*)stream_var<3, NSLOT, SEGG>;
    }
    static int smem(int k, int flags) { return STREAM_WARPS * NSLOT * STREAM_SLOT_BYTES(SEGG) + (flags ? 8 : 4) * ((k + 3) & ~3); }  // x (and NORM's weights)
};
struct StreamShape { const void* (*fn)(int); int (*smem)(int, int); };
static const StreamShape g_streams[] = {
    {StreamSet<3, 8>::fn, StreamSet<3, 8>::smem}, {StreamSet<4, 8>::fn, StreamSet<4, 8>::smem},
    {StreamSet<2, 16>::fn, StreamSet<2, 16>::smem}, {StreamSet<6, 4>::fn, StreamSet<6, 4>::smem},
    {StreamSet<2, 8>::fn, StreamSet<2, 8>::smem}};

static const void* split_fn(int flags, int parts) {
    const int f = flags == 0 ? 0 : flags == 1 ? 1 : 2;
    static const void* fs[3][3] = {
        {(const void*)stream_split<0, 2>, (const void*)stream_split<1, 2>, (const void*)stream_split<3, 2>},
        {(const void*)stream_split<0, 4>, (const void*)stream_split<1, 4>, (const void*)stream_split<3, 4>},
        {(const void*)stream_split<0, 8>, (const void*)stream_split<1, 8>, (const void*)stream_split<3, 8>}};
    return fs[parts == 2 ? 0 : parts == 4 ? 1 : 2][f];
}

struct Shape { const char* name; int hidden, qkv, inter; };
struct Layer { unsigned short *qkv, *o, *gu, *d; unsigned short *lqkv, *lo, *lgu, *ld; float *nIn, *nPost, *bias; };
struct Variant { std::string name; int kind; int warps; int tg; };  // kind 1: matvec.cu, 2: reference, 3: split.cuh (warps = parts), 4: stream (warps = g_streams index), 6: tile (many tokens; one: stream)
struct Bufs { float *x, *x0, *qkv, *attn, *h; };
static int g_smem;  // dynamic shared memory a block may take
static int g_sms;   // multiprocessors

// One projection of n tokens: y = W x (+ bias) (+ resid), fused per flags; next = the weights to prefetch.
static void proj(cudaStream_t s, const Variant& v, int flags, const unsigned short* W, const unsigned short* LW, int rows,
                 int k, const float* x, const float* nw, float* y, int ldy, const float* bias, const float* resid,
                 const void* next, long long nextBytes, int n) {
    const int* xrows = nullptr; float eps = 1e-6f; int ldx = k;
    if (v.kind == 2) {
        int r2 = flags & 2 ? rows / 2 : rows;
        reference<<<dim3((r2 + 127) / 128, n), 128, 0, s>>>(W, x, nw, eps, y, bias, resid, rows, k, n, flags);
        return;
    }
    if (v.kind == 3) {  // one token only: the batch-1 split a conventional engine would pick (split.cuh)
        int stride = (k + 7) & ~7;
        void* args[] = {&LW, &x, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride};
        CK(cudaLaunchKernel(split_fn(flags, v.warps), dim3(g_sms), dim3(32 * STREAM_WARPS), args,
                            STREAM_WARPS * SLOTS * SLOT_BYTES + 8 * ((k + 3) & ~3), s));
        return;
    }
    if (v.kind == 6 && n > 1) {  // matvec_tile.cu: 32 rows x 8 tokens per block
        int stride = (k + 7) & ~7, ldx = k;
        const int* xr = nullptr;
        void* args[] = {&LW, &x, &xr, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n};
        const void* fs[] = {(const void*)matvec_tile_bf16, (const void*)matvec_tile_bf16_norm, (const void*)matvec_tile_bf16_norm_silu};
        const int w = k >= 32 ? 32 : 1 << (32 - __builtin_clz(k - 1));
        CK(cudaLaunchKernel(fs[flags == 0 ? 0 : flags == 1 ? 1 : 2], dim3((rows + 31) / 32, (n + 7) / 8), dim3(256), args,
                            2 * (w * 8 + w) * TILE_XP * 4, s));
        return;
    }
    if ((v.kind == 4 || v.kind == 6) && n == 1) {  // matvec_stream.cu: a persistent grid, one block per multiprocessor
        int stride = (k + 7) & ~7, ldx = k;
        const int* xr = nullptr;
        void* args[] = {&LW, &x, &xr, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx};
        const StreamShape& ss = g_streams[v.kind == 6 ? 0 : v.warps];
        CK(cudaLaunchKernel(ss.fn(flags), dim3(g_sms), dim3(32 * STREAM_WARPS), args, ss.smem(k, flags), s));
        return;
    }
    int tg = n == 1 ? 1 : v.tg;
    if (4 * tg * ((k + 3) & ~3) > g_smem) tg = 1;  // as the backend does: input rows that fit
    const int warps = v.kind >= 4 ? 8 : v.warps;  // stream variants: matvec.cu's token groups beyond one token
    const int rpb = warps * (tg == 1 ? 1 : 4);
    int stride = (k + 7) & ~7;
    const char* nx = (const char*)next;
    void* args[] = {&LW, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ldy, &n, &nx, &nextBytes};
    const void* f1[] = {(const void*)matvec_bf16_t1, (const void*)matvec_bf16_norm_t1, (const void*)matvec_bf16_norm_silu_t1};
    const void* f4[] = {(const void*)matvec_bf16_t4, (const void*)matvec_bf16_norm_t4, (const void*)matvec_bf16_norm_silu_t4};
    const int fi = flags == 0 ? 0 : flags == 1 ? 1 : 2;
    const void* f = tg == 1 ? f1[fi] : f4[fi];
    CK(cudaLaunchKernel(f, dim3((rows + rpb - 1) / rpb, (n + tg - 1) / tg), dim3(32 * warps), args,
                        4 * tg * ((k + 3) & ~3), s));
}

// The four projections of layer l for n tokens; pf: each prefetches the next one's weights; only: one of them.
static void layer(cudaStream_t s, const Variant& v, const Shape& sh, const std::vector<Layer>& L, int l, Bufs& b,
                  bool pf, int n, int only = -1) {
    const Layer& w = L[l];
    const Layer& nl = L[(l + 1) % L.size()];
    const long long H = sh.hidden, Q = sh.qkv, I = sh.inter;
    if (only < 0 || only == 0)
        proj(s, v, 1, w.qkv, w.lqkv, Q, H, b.x, w.nIn, b.qkv, Q, w.bias, nullptr, pf ? w.lo : nullptr, 2 * H * H, n);
    if (only < 0 || only == 1)
        proj(s, v, 0, w.o, w.lo, H, H, b.attn, nullptr, b.x, H, nullptr, b.x, pf ? w.lgu : nullptr, 4 * I * H, n);
    if (only < 0 || only == 2)
        proj(s, v, 3, w.gu, w.lgu, 2 * I, H, b.x, w.nPost, b.h, I, nullptr, nullptr, pf ? w.ld : nullptr, 2 * H * I, n);
    if (only < 0 || only == 3)
        proj(s, v, 0, w.d, w.ld, H, I, b.h, nullptr, b.x, H, nullptr, b.x, pf ? nl.lqkv : nullptr, 2 * Q * H, n);
}





int main(int argc, char** argv) {
    int reps = 20, layers14 = 4;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers14") && i + 1 < argc) layers14 = atoi(argv[++i]);
        else { printf("usage: projections [--reps N] [--layers14 N]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    printf("device: %s, %d SMs, L2 %d MiB\n", p.name, p.multiProcessorCount, p.l2CacheSize >> 20);
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

    const double copyGBs = copy_bandwidth(s, p.multiProcessorCount);
    auto eg = capture(s, [&] { for (int i = 0; i < 200; i++) empty_kernel<<<132, 128, 0, s>>>(); });
    printf("copy bandwidth: %.1f GB/s; empty kernel in a graph: %.2f us per node\n", copyGBs, time_graph(s, eg, reps) * 1e3 / 200);
    const void* mvs[] = {(const void*)matvec_bf16_t1, (const void*)matvec_bf16_norm_t1, (const void*)matvec_bf16_norm_silu_t1,
                         (const void*)matvec_bf16_t4, (const void*)matvec_bf16_norm_t4, (const void*)matvec_bf16_norm_silu_t4};
    g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    for (int parts : {2, 4, 8})
        for (int fl : {0, 1, 3}) CK(cudaFuncSetAttribute(split_fn(fl, parts), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
    for (const void* f : mvs) CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)p.sharedMemPerBlockOptin - 1024));
    g_sms = p.multiProcessorCount;
    for (const StreamShape& ss : g_streams)
        for (int fl : {0, 1, 3}) CK(cudaFuncSetAttribute(ss.fn(fl), cudaFuncAttributeMaxDynamicSharedMemorySize, (int)p.sharedMemPerBlockOptin - 1024));
    CK(cudaFuncSetAttribute((const void*)matvec_stream_bf16_norm, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)p.sharedMemPerBlockOptin - 1024));

    const Shape shapes[] = {{"qwen2.5-0.5b", 896, 1152, 4864}, {"qwen1.5-14b", 5120, 15360, 13696}};
    const std::vector<Variant> variants = {{"reference", 2, 0, 1}, {"matvec t4", 1, 8, 4}, {"split-k 2", 3, 2, 1}, {"split-k 4", 3, 4, 1},
                                           {"split-k 8", 3, 8, 1}, {"stream 3x8", 4, 0, 4},
                                           {"stream 4x8", 4, 1, 4}, {"stream 2x16", 4, 2, 4}, {"stream 6x4", 4, 3, 4},
                                           {"stream 2x8", 4, 4, 4}, {"tile 32x8", 6, 0, 8}};
    for (const Shape& sh : shapes) {
        const int nl = sh.hidden == 896 ? 24 : layers14;
        const long long H = sh.hidden, Q = sh.qkv, I = sh.inter;
        const long long layerBytes = 2 * (Q * H + H * H + 2 * I * H + H * I);
        const int NT = 16;  // tokens for the many-token bit check and timing
        std::vector<Layer> L(nl);
        for (int l = 0; l < nl; l++) {
            Layer& w = L[l];
            CK(cudaMalloc(&w.qkv, 2 * Q * H)); CK(cudaMalloc(&w.o, 2 * H * H));
            CK(cudaMalloc(&w.gu, 4 * I * H)); CK(cudaMalloc(&w.d, 2 * H * I));
            CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
            fill_bf16<<<1024, 256>>>(w.qkv, Q * H, 11 + l); fill_bf16<<<1024, 256>>>(w.o, H * H, 23 + l);
            fill_bf16<<<1024, 256>>>(w.gu, 2 * I * H, 37 + l); fill_bf16<<<1024, 256>>>(w.d, H * I, 41 + l);
            fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
            fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
            w.lqkv = relaid(w.qkv, Q, H); w.lo = relaid(w.o, H, H); w.lgu = relaid(w.gu, 2 * I, H); w.ld = relaid(w.d, H, I);
        }
        Bufs b;
        CK(cudaMalloc(&b.x, 4 * NT * H)); CK(cudaMalloc(&b.x0, 4 * NT * H)); CK(cudaMalloc(&b.qkv, 4 * NT * Q));
        CK(cudaMalloc(&b.attn, 4 * NT * H)); CK(cudaMalloc(&b.h, 4 * NT * I));
        fill_f32<<<64, 256>>>(b.x0, NT * H, 3, -2.0f, 2.0f); fill_f32<<<64, 256>>>(b.attn, NT * H, 4, -1.0f, 1.0f);
        CK(cudaDeviceSynchronize()); CK(cudaGetLastError());
        printf("\n%s: %d layers of %.1f MB (hidden %lld, qkv %lld, ffn %lld); roofline %.2f us per layer\n", sh.name,
               nl, layerBytes / 1e6, H, Q, I, layerBytes / (copyGBs * 1e3));
        printf("%-10s %6s %6s | %9s %7s %5s | %9s %7s %5s | %7s %7s %7s %7s | %8s\n", "variant", "bits1", "bits16",
               "chain us", "GB/s", "%cp", "chain+pf", "GB/s", "%cp", "qkv", "o", "gate/up", "down", "16tok us");

        std::vector<float> ref[2][3];
        float portable[4] = {0, 0, 0, 0}, bestSplit[4] = {1e30f, 1e30f, 1e30f, 1e30f};
        for (const Variant& v : variants) {
            const char* verdict[2];
            for (int ti = 0; ti < 2; ti++) {  // bits: the whole chain from the same x, for 1 and 4 tokens
                const int n = ti == 0 ? 1 : NT;
                CK(cudaMemcpy(b.x, b.x0, 4 * n * H, cudaMemcpyDeviceToDevice));
                for (int l = 0; l < nl; l++) layer(s, v, sh, L, l, b, false, n);
                CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
                std::vector<float> out[3] = {std::vector<float>(n * H), std::vector<float>(n * Q), std::vector<float>(n * I)};
                CK(cudaMemcpy(out[0].data(), b.x, 4 * n * H, cudaMemcpyDeviceToHost));
                CK(cudaMemcpy(out[1].data(), b.qkv, 4 * n * Q, cudaMemcpyDeviceToHost));
                CK(cudaMemcpy(out[2].data(), b.h, 4 * n * I, cudaMemcpyDeviceToHost));
                bool same = true;
                if (v.kind == 2) for (int i = 0; i < 3; i++) ref[ti][i] = out[i];
                else for (int i = 0; i < 3; i++) same = same && !memcmp(ref[ti][i].data(), out[i].data(), 4 * out[i].size());
                verdict[ti] = v.kind == 2 ? "ref" : same ? "equal" : v.kind == 3 ? "differ" : "DIFFER";
            }
            if (v.kind == 2) { printf("%-10s %6s %6s |\n", v.name.c_str(), "ref", "ref"); continue; }
            auto chain = capture(s, [&] { for (int l = 0; l < nl; l++) layer(s, v, sh, L, l, b, false, 1); });
            auto chainPf = capture(s, [&] { for (int l = 0; l < nl; l++) layer(s, v, sh, L, l, b, v.kind == 1, 1); });
            auto chain4 = capture(s, [&] { for (int l = 0; l < nl; l++) layer(s, v, sh, L, l, b, false, v.kind == 3 ? 1 : NT); });
            const float c = time_graph(s, chain, reps) * 1e3 / nl, cp = time_graph(s, chainPf, reps) * 1e3 / nl;
            const float c4 = time_graph(s, chain4, reps) * 1e3 / nl;
            float alone[4];
            for (int o = 0; o < 4; o++) {
                auto g = capture(s, [&] { for (int l = 0; l < nl; l++) layer(s, v, sh, L, l, b, false, 1, o); });
                alone[o] = time_graph(s, g, reps) * 1e3 / nl;
                CK(cudaGraphExecDestroy(g));
                if (v.kind == 3) bestSplit[o] = std::min(bestSplit[o], alone[o]);
                if (v.kind == 4 && v.warps == 0) portable[o] = alone[o];  // the kernel the backend runs at batch 1
            }
            printf("%-10s %6s %6s | %9.2f %7.0f %5.1f | %9.2f %7.0f %5.1f | %7.2f %7.2f %7.2f %7.2f | %8.2f\n",
                   v.name.c_str(), verdict[0], verdict[1], c, layerBytes / (c * 1e3), 100 * layerBytes / (c * 1e3) / copyGBs,
                   cp, layerBytes / (cp * 1e3), 100 * layerBytes / (cp * 1e3) / copyGBs, alone[0], alone[1], alone[2],
                   alone[3], c4);
            CK(cudaGraphExecDestroy(chain)); CK(cudaGraphExecDestroy(chainPf)); CK(cudaGraphExecDestroy(chain4));
        }
        {  // where a projection's time goes: the same four matrices with nothing fused (no norm, silu, bias, residual)
            const long long rowsOf[4] = {Q, H, 2 * I, H}, kOf[4] = {H, H, H, I};
            printf("stream 3x8, nothing fused (us per launch, GB/s):");
            for (int o = 0; o < 4; o++) {
                auto g = capture(s, [&] {
                    for (int l = 0; l < nl; l++) {
                        const Layer& w = L[l];
                        const unsigned short* m = o == 0 ? w.lqkv : o == 1 ? w.lo : o == 2 ? w.lgu : w.ld;
                        proj(s, Variant{"", 4, 0, 4}, 0, nullptr, m, (int)rowsOf[o], (int)kOf[o], b.x0, nullptr,
                             o == 2 ? b.h : b.qkv, 0, nullptr, nullptr, nullptr, 0, 1);
                    }
                });
                const float us = time_graph(s, g, reps) * 1e3 / nl;
                printf(" %.2f (%.0f)", us, 2.0 * rowsOf[o] * kOf[o] / (us * 1e3));
                CK(cudaGraphExecDestroy(g));
            }
            printf("\n");
        }
        {  // the cost of determinism: portable against the best split for each projection (a tuned engine's pick)
            float sp = 0, ss = 0;
            for (int o = 0; o < 4; o++) { sp += portable[o]; ss += bestSplit[o]; }
            printf("cost of determinism (batch 1, per layer, each projection alone): portable %.2f us, best split per"
                   " projection %.2f us: portable runs at %.3fx the split's speed\n", sp, ss, ss / sp);
        }
        {  // the vocabulary projection (RMSNorm fused), one token
            const int V = sh.hidden == 896 ? 151936 : 152064;
            unsigned short* hw; CK(cudaMalloc(&hw, 2LL * V * H)); fill_bf16<<<1024, 256>>>(hw, (long long)V * H, 99);
            unsigned short* hl = relaid(hw, V, H);
            CK(cudaDeviceSynchronize());  // filled on the default stream, read on s
            float* logits; CK(cudaMalloc(&logits, 4LL * V));
            std::vector<float> want(V), got(V);
            reference<<<dim3((V + 127) / 128, 1), 128, 0, s>>>(hw, b.x0, L[0].nIn, 1e-6f, logits, nullptr, nullptr, V, H, 1, 1);
            CK(cudaStreamSynchronize(s));  // s does not order with the default stream's copies
            CK(cudaMemcpy(want.data(), logits, 4LL * V, cudaMemcpyDeviceToHost));
            printf("lm head (%d x %lld, %.0f MB; %.2f us at the copy bandwidth):", V, H, 2.0 * V * H / 1e6, 2.0 * V * H / (copyGBs * 1e3));
            {
                const void* f = (const void*)matvec_bf16_norm_t1;
                const int* xrows = nullptr; float eps = 1e-6f; int ldx = H, ldy = V, n = 1, kk = H, rows = V;
                int stride = (H + 7) & ~7; const char* nx = nullptr; long long nb = 0; const float* nul = nullptr;
                const float* x0 = b.x0; const float* nw = L[0].nIn;
                void* args[] = {&hl, &x0, &xrows, &nw, &eps, &logits, &nul, &nul, &rows, &kk, &stride, &ldx, &ldy, &n, &nx, &nb};
                const int blocks = (V + 7) / 8;
                auto go = [&] { CK(cudaLaunchKernel(f, dim3(blocks), dim3(256), args, 4 * ((H + 3) & ~3), s)); };
                CK(cudaMemset(logits, 0xff, 4LL * V)); go(); CK(cudaStreamSynchronize(s));
                CK(cudaMemcpy(got.data(), logits, 4LL * V, cudaMemcpyDeviceToHost));
                const bool same = !memcmp(want.data(), got.data(), 4LL * V);
                auto g = capture(s, [&] { for (int i = 0; i < 10; i++) go(); });
                const float us = time_graph(s, g, reps) * 1e3 / 10;
                printf(" matvec %.2f us (%s)", us, same ? "equal" : "DIFFER");
                CK(cudaGraphExecDestroy(g));
            }
            {
                const int* xrows = nullptr; float eps = 1e-6f; int kk = H, rows = V, ldx = H;
                int stride = (H + 7) & ~7; const float* nul = nullptr;
                const float* x0 = b.x0; const float* nw = L[0].nIn;
                void* args[] = {&hl, &x0, &xrows, &nw, &eps, &logits, &nul, &nul, &rows, &kk, &stride, &ldx};
                auto go = [&] { CK(cudaLaunchKernel((const void*)matvec_stream_bf16_norm, dim3(g_sms), dim3(32 * STREAM_WARPS), args,
                                                    STREAM_WARPS * SLOTS * SLOT_BYTES + 8 * ((kk + 3) & ~3), s)); };
                CK(cudaMemset(logits, 0xff, 4LL * V)); go(); CK(cudaStreamSynchronize(s));
                CK(cudaMemcpy(got.data(), logits, 4LL * V, cudaMemcpyDeviceToHost));
                const bool same = !memcmp(want.data(), got.data(), 4LL * V);
                auto g = capture(s, [&] { for (int i = 0; i < 10; i++) go(); });
                printf(" stream %.2f us (%s)", time_graph(s, g, reps) * 1e3 / 10, same ? "equal" : "DIFFER");
                CK(cudaGraphExecDestroy(g));
            }
            printf("\n");
            cudaFree(hw); cudaFree(hl); cudaFree(logits);
        }
        for (Layer& w : L) {
            for (void* q : {(void*)w.qkv, (void*)w.o, (void*)w.gu, (void*)w.d, (void*)w.lqkv, (void*)w.lo, (void*)w.lgu,
                            (void*)w.ld, (void*)w.nIn, (void*)w.nPost, (void*)w.bias}) cudaFree(q);
        }
        cudaFree(b.x); cudaFree(b.x0); cudaFree(b.qkv); cudaFree(b.attn); cudaFree(b.h);
    }
    return 0;
}
