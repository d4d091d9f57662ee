// Kernel-level benchmark of the decode step at batch 1 as the backend runs it: kernels/matvec_stream.cu's four
// projections per layer (qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid) with a small stand-in for rope and
// attention between qkv and o (a block per head), several layers back to back in ONE CUDA graph, every kernel launched
// with the programmatic-serialization attribute (kernels/chain.cuh, engine-cuda DriverLaunch), then the lm_head
// (+norm) after the last layer; Qwen2.5-0.5B (every layer) and Qwen1.5-14B (--layers14, default 8), each layer with
// its own weights (more than L2 holds). Variants of the streamed kernel (ring shape, how the input row is staged,
// the next projection's weights asked of the L2 ahead, two blocks per multiprocessor) are timed in the same run
// against the copy bandwidth; each is checked bit-equal to a one-thread-per-row reference of the same chain
// (reference.cuh): the residual stream, qkv, the last h and the logits.
// Build: bench/device/kernels/build. Run: stream_chain [--layers14 N] [--reps N] [--plain] [--only NAME,NAME]
// [--no-carveout] [--kinds] (--kinds: also each projection chained with itself, us per kernel).
#include "step_chain.cuh"
#include "reference.cuh"

#include <cstring>
#include <string>

// matvec_stream.cu's kernel at any shape and options: the same values, other timings.
// ahead: the next projection's weights, which each warp asks the L2 for once its own last bytes are requested.
template <int FLAGS, int NSLOT, int SEGG, int NW, int OPTS, int MINB>
__global__ void __launch_bounds__(32 * NW, MINB) sv(const unsigned short* W, const float* x, const int* xrows,
        const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, int k, int stride, int ldx,
        inv::Ahead ahead) {
    stream_impl<unsigned short, FLAGS, NSLOT, SEGG, NW, OPTS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx,
                                                              inv::NoEpi(), ahead);
}
// One ring shape: kernels for fused none / norm / norm+silu, warps per block, slots, groups per segment, options;
// sv: the kernel takes an inv::Ahead (the engine's named kernels do not).
struct Kern { const void* f[3]; int nw, nslot, segg, opts; bool sv; };
#define SV(NSLOT, SEGG, NW, OPTS, MINB) Kern{{(const void*)sv<0, NSLOT, SEGG, NW, OPTS, MINB>,                  \
    (const void*)sv<1, NSLOT, SEGG, NW, OPTS, MINB>, (const void*)sv<3, NSLOT, SEGG, NW, OPTS, MINB>}, NW, NSLOT, SEGG, OPTS, true}
#define NAMED(suffix, SEGG, OPTS) Kern{{(const void*)matvec_stream_bf16##suffix, (const void*)matvec_stream_bf16_norm##suffix, \
    (const void*)matvec_stream_bf16_norm_silu##suffix}, STREAM_WARPS, 2, SEGG, NW_GLOBAL | (OPTS), false}
static int smem_of(const Kern& s, int k, int fi) {
    const int k4 = (k + 3) & ~3;
    return s.nw * s.nslot * STREAM_SLOT_BYTES(s.segg) + 4 * k4 * (fi > 0 && STREAM_NW(s.opts) != NW_GLOBAL ? 2 : 1);
}
// A variant: the shapes it may take; pair: the first that fits two blocks per multiprocessor (else the last); head:
// the lm_head's shapes where they differ (empty: shapes); ahead: bytes per warp of the next projection's weights asked
// of the L2 (sv kernels only).
struct Variant { const char* name; const char* what; std::vector<Kern> shapes; bool pair; int ahead = 0;
                 std::vector<Kern> head = {}; };
static bool g_pdl = true;

static int blocks_per_sm(const Kern& s, int k, int fi) {
    int n = 0;
    CK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, s.f[fi], 32 * s.nw, smem_of(s, k, fi)));
    return n;
}
static const Kern& pick(const Variant& v, int k, int fi, bool head = false) {
    const std::vector<Kern>& shapes = head && !v.head.empty() ? v.head : v.shapes;
    if (!v.pair || (head && !v.head.empty())) {  // the first whose shared memory fits
        for (const Kern& s : shapes) if (smem_of(s, k, fi) <= g_smem) return s;
        return shapes.back();
    }
    for (const Kern& s : shapes) if (blocks_per_sm(s, k, fi) >= 2) return s;
    return shapes.back();
}

static void launch(cudaStream_t s, const void* f, dim3 grid, dim3 block, void** args, int smem) {
    launch_chained(s, g_pdl, f, grid, block, args, smem);
}

// The projection launched next (its laid-out weights, rows, inputs and flags), for a variant's ahead.
struct Next { const unsigned short* LW; int rows, k, flags; };
static inv::Ahead ahead_of(const Variant& v, const Next* n) {
    if (!n || v.ahead <= 0) return inv::Ahead{nullptr, 0, 0, 0};
    const int u = n->flags & 2 ? 2 : 1, rowBytes = 2 * ((n->k + 7) & ~7);
    return inv::Ahead{reinterpret_cast<const unsigned char*>(n->LW), n->rows / u, u * rowBytes, v.ahead};
}

// One projection of one token; v == nullptr: the reference (natural weights W); else the variant's kernel (layout LW).
static void proj(cudaStream_t s, const Variant* v, int flags, const unsigned short* W, const unsigned short* LW, int rows,
                 int k, const float* x, const float* nw, float* y, const float* bias, const float* resid,
                 const Next* next = nullptr, bool head = false) {
    const int* xrows = nullptr; float eps = 1e-6f;
    if (!v) {
        const int r2 = flags & 2 ? rows / 2 : rows;
        reference<<<dim3((r2 + 127) / 128, 1), 128, 0, s>>>(W, x, xrows, nw, eps, y, bias, resid, rows, k, 1, flags);
        return;
    }
    const int fi = flags == 0 ? 0 : flags == 1 ? 1 : 2;
    const Kern& sh = pick(*v, k, fi, head);
    int stride = (k + 7) & ~7, ldx = k;
    inv::Ahead ah = ahead_of(*v, next);
    void* args[] = {&LW, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx, &ah};
    launch(s, sh.f[fi], dim3(g_sms), dim3(32 * sh.nw), args, smem_of(sh, k, fi));
}

struct Shape { const char* name; long long H, Q, I, V; int layers, heads; };
struct Layer { unsigned short *qkv, *o, *gu, *d, *lqkv, *lo, *lgu, *ld; float *nIn, *nPost, *bias; };
struct Model { std::vector<Layer> L; unsigned short *head, *lhead; float* nFinal; };
struct Bufs { float *x, *x0, *qkv, *attn, *h, *logits; };

// The step: every layer's projections and the stand-in, then (head) the final norm fused into the lm_head.
// kind >= 0: only that projection (0 qkv, 1 o, 2 gate/up, 3 down) of every layer, each kernel followed by the same
// projection of the next layer (how much a kernel of that size costs, chained).
static void step(cudaStream_t s, const Variant* v, const Shape& sh, const Model& m, Bufs& b, bool head, int kind = -1) {
    const int H = (int)sh.H, Q = (int)sh.Q, I = (int)sh.I;
    if (kind >= 0) {
        for (size_t l = 0; l < m.L.size(); l++) {
            const Layer& w = m.L[l];
            const Layer* nl = l + 1 < m.L.size() ? &m.L[l + 1] : nullptr;
            const Next nq{nl ? nl->lqkv : nullptr, Q, H, 1}, no{nl ? nl->lo : nullptr, H, H, 0},
                ng{nl ? nl->lgu : nullptr, 2 * I, H, 3}, nd{nl ? nl->ld : nullptr, H, I, 0};
            if (kind == 0) proj(s, v, 1, w.qkv, w.lqkv, Q, H, b.x, w.nIn, b.qkv, w.bias, nullptr, nl ? &nq : nullptr);
            if (kind == 1) proj(s, v, 0, w.o, w.lo, H, H, b.attn, nullptr, b.x, nullptr, b.x, nl ? &no : nullptr);
            if (kind == 2) proj(s, v, 3, w.gu, w.lgu, 2 * I, H, b.x, w.nPost, b.h, nullptr, nullptr, nl ? &ng : nullptr);
            if (kind == 3) proj(s, v, 0, w.d, w.ld, H, I, b.h, nullptr, b.x, nullptr, b.x, nl ? &nd : nullptr);
        }
        return;
    }
    for (size_t l = 0; l < m.L.size(); l++) {
        const Layer& w = m.L[l];
        const Next o{w.lo, H, H, 0}, gu{w.lgu, 2 * I, H, 3}, d{w.ld, H, I, 0};
        const Next after = l + 1 < m.L.size() ? Next{m.L[l + 1].lqkv, Q, H, 1} : Next{m.lhead, (int)sh.V, H, 1};
        proj(s, v, 1, w.qkv, w.lqkv, Q, H, b.x, w.nIn, b.qkv, w.bias, nullptr, &o);
        int hh = H; const float* q = b.qkv; float* at = b.attn;
        void* args[] = {&q, &at, &hh};
        launch(s, (const void*)stand_in, dim3(sh.heads), dim3(128), args, 0);
        proj(s, v, 0, w.o, w.lo, H, H, b.attn, nullptr, b.x, nullptr, b.x, &gu);
        proj(s, v, 3, w.gu, w.lgu, 2 * I, H, b.x, w.nPost, b.h, nullptr, nullptr, &d);
        proj(s, v, 0, w.d, w.ld, H, I, b.h, nullptr, b.x, nullptr, b.x, head || l + 1 < m.L.size() ? &after : nullptr);
    }
    if (head) proj(s, v, 1, m.head, m.lhead, (int)sh.V, H, b.x, m.nFinal, b.logits, nullptr, nullptr, nullptr, true);
}

// Outputs of one step from x0: the residual stream, qkv and h of the last layer, the logits.
static std::vector<float> outputs(cudaStream_t s, const Variant* v, const Shape& sh, const Model& m, Bufs& b) {
    CK(cudaMemcpyAsync(b.x, b.x0, 4 * sh.H, cudaMemcpyDeviceToDevice, s));
    step(s, v, sh, m, b, true);
    CK(cudaStreamSynchronize(s)); CK(cudaGetLastError());
    std::vector<float> out(sh.H + sh.Q + sh.I + sh.V);
    float* o = out.data();
    CK(cudaMemcpy(o, b.x, 4 * sh.H, cudaMemcpyDeviceToHost)); o += sh.H;
    CK(cudaMemcpy(o, b.qkv, 4 * sh.Q, cudaMemcpyDeviceToHost)); o += sh.Q;
    CK(cudaMemcpy(o, b.h, 4 * sh.I, cudaMemcpyDeviceToHost)); o += sh.I;
    CK(cudaMemcpy(o, b.logits, 4 * sh.V, cudaMemcpyDeviceToHost));
    return out;
}

// Hypothesis 3: how evenly a projection's units (rows, or gate/up pairs) fall on the warps and the blocks.
static void balance(const char* what, long long units, int unitBytes, int nw) {
    const long long tw = (long long)g_sms * nw;
    long long wmin = 1LL << 60, wmax = 0, bmin = 1LL << 60, bmax = 0;
    for (long long b = 0; b < g_sms; b++) {
        long long bu = 0;
        for (long long w = 0; w < nw; w++) {
            const long long gw = b * nw + w, u = (gw + 1) * units / tw - gw * units / tw;
            wmin = std::min(wmin, u); wmax = std::max(wmax, u); bu += u;
        }
        bmin = std::min(bmin, bu); bmax = std::max(bmax, bu);
    }
    printf("  %-8s %7lld units of %6d B over %lld warps: %lld..%lld per warp; per block %lld..%lld (max/mean %.3f)\n",
           what, units, unitBytes, tw, wmin, wmax, bmin, bmax, (double)bmax * g_sms / units);
}

int main(int argc, char** argv) {
    int reps = 20, layers14 = 8;
    std::string only;  // comma-separated variant names (empty: all)
    bool carveout = true;
    bool kinds = false;  // also time each projection chained with itself  // false: no kernel asks for a carve-out (the driver's choice, as for the engine's base ring)
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers14") && i + 1 < argc) layers14 = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--plain")) g_pdl = false;
        else if (!strcmp(argv[i], "--no-carveout")) carveout = false;
        else if (!strcmp(argv[i], "--kinds")) kinds = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = std::string(",") + argv[++i] + ",";
        else { printf("usage: stream_chain [--reps N] [--layers14 N] [--plain] [--only NAME,NAME] [--no-carveout] [--kinds]\n"); return 0; }
    }
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    g_sms = p.multiProcessorCount; g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    const Kern base{{(const void*)matvec_stream_bf16, (const void*)matvec_stream_bf16_norm,
                     (const void*)matvec_stream_bf16_norm_silu}, STREAM_WARPS, SLOTS, SEG_GROUPS, 0};
    const Kern w16{{(const void*)matvec_stream_bf16_w16, (const void*)matvec_stream_bf16_norm_w16,
                    (const void*)matvec_stream_bf16_norm_silu_w16}, W16_WARPS, W16_SLOTS, SEG_GROUPS, 0};
    // NW_BULK: the input row (and the norm's weights, before the wait) by one bulk copy each; +aN: N KB per warp of
    // the next projection's weights asked of the L2 once the warp's own last bytes are requested
    const int B = NW_BULK;
    const Kern w16b = SV(2, 8, 16, B, 1), w16x6 = SV(6, 3, 16, B, 1);
    const std::vector<Kern> pairs = {SV(3, 3, 16, B, 2), SV(1, 20, 8, B, 2), SV(2, 3, 16, B, 2)};
    const Kern wide{{(const void*)matvec_stream_bf16_wide, (const void*)matvec_stream_bf16_norm_wide,
                     (const void*)matvec_stream_bf16_norm_silu_wide}, WIDE_WARPS, WIDE_SLOTS, WIDE_GROUPS, NW_BULK};
    std::vector<Variant> variants = {
        {"base", "8 warps x 3 slots x 8 groups (the backend's for f32; for bf16 hidden > 2048 until 16:46)", {base}, false},
        {"wide", "the backend's kernel for bf16 hidden > 2048 (_wide): 8 warps x 3 slots x 12 groups, bulk input",
         {wide}, false},
        {"w16 2x8", "the backend's kernel for hidden <= 2048 (_w16): 16 warps x 2 slots x 8 groups", {w16}, false},
        {"bulk", "base, input row and norm weights by bulk copies", {SV(3, 8, 8, B, 1)}, false},
        {"bulk fence", "bulk, a proxy fence before the input row's copy", {SV(3, 8, 8, B | STREAM_BULK_FENCE, 1)}, false},
        {"base+a16", "base (loads), 16 KB per warp of the next projection to L2", {SV(3, 8, 8, 0, 1)}, false, 16384},
        {"bulk+a16", "bulk, 16 KB ahead", {SV(3, 8, 8, B, 1)}, false, 16384},
        {"2x16", "8 warps x 2 slots x 16 groups: bigger copies, fewer waits", {SV(2, 16, 8, 0, 1)}, false},
        {"2x16 bulk", "2x16, bulk input", {SV(2, 16, 8, B, 1)}, false},
        {"2x20 bulk", "8 warps x 2 slots x 20 groups (a 14B row of 5,120 per slot), bulk input", {SV(2, 20, 8, B, 1)}, false},
        {"3x12", "wide's ring, the input staged by loads", {SV(3, 12, 8, 0, 1)}, false},
        {"3x10 bulk", "8 warps x 3 slots x 10 groups (half a 14B row per slot), bulk input", {SV(3, 10, 8, B, 1)}, false},
        {"w16 bulk", "w16, bulk input", {w16b}, false},
        {"w16+a8", "w16 (loads), 8 KB ahead", {SV(2, 8, 16, 0, 1)}, false, 8192},
        {"w16 6x3 b", "16 warps x 6 slots x 3 groups (a 0.5B row per slot), bulk input (else w16 bulk)", {w16x6, w16b}, false},
        {"w16p 3x3", "two blocks per SM: 16 warps x 3 slots x 3 groups, else 8 x 1 x 20 (0.5B down: a row per warp in one "
         "copy), else 16 x 2 x 3; bulk input; lm_head one block of 16 x 6 x 3", pairs, true, 0, {w16x6, w16b}},
    };
    if (!only.empty())
        variants.erase(std::remove_if(variants.begin(), variants.end(), [&](const Variant& v) {
            return only.find("," + std::string(v.name) + ",") == std::string::npos; }), variants.end());
    // every kernel may take the largest shared memory, and asks for the largest carve-out, so that kernels next to
    // each other in the chain never need the multiprocessor's split of L1 and shared memory changed
    for (const Variant& v : variants)
        for (const Kern& k : v.shapes)
            for (const void* f : k.f) {
                CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
                if (carveout) CK(cudaFuncSetAttribute(f, cudaFuncAttributePreferredSharedMemoryCarveout, 100));
            }
    if (carveout) CK(cudaFuncSetAttribute((const void*)stand_in, cudaFuncAttributePreferredSharedMemoryCarveout, 100));
    cudaStream_t s; CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    const double copyGBs = copy_bandwidth(s, g_sms);
    printf("stream_chain: %s, %d SMs, copy bandwidth %.1f GB/s, %s launches, carve-out %s\n", p.name, g_sms, copyGBs,
           g_pdl ? "dependent (programmatic)" : "plain", carveout ? "100 %" : "the driver's");

    const Shape shapes[] = {{"qwen2.5-0.5b", 896, 1152, 4864, 151936, 24, 14},
                            {"qwen1.5-14b", 5120, 15360, 13696, 152064, layers14, 40}};
    struct Row { float us[2], head[2], pct[2], hpct[2]; std::string bits[2]; };
    std::vector<Row> rows(variants.size());
    for (int si = 0; si < 2; si++) {
        const Shape& sh = shapes[si];
        const long long H = sh.H, Q = sh.Q, I = sh.I;
        const long long layerBytes = 2 * (Q * H + H * H + 2 * I * H + H * I), headBytes = 2 * sh.V * H;
        Model m; m.L.resize(sh.layers);
        for (int l = 0; l < sh.layers; l++) {
            Layer& w = m.L[l];
            w.qkv = weights(Q, H, 11 + l, &w.lqkv); w.o = weights(H, H, 23 + l, &w.lo);
            w.gu = weights(2 * I, H, 37 + l, &w.lgu); w.d = weights(H, I, 41 + l, &w.ld);
            w.nIn = floats(H, 5 + l, 0.5f, 1.5f); w.nPost = floats(H, 7 + l, 0.5f, 1.5f); w.bias = floats(Q, 9 + l, -0.1f, 0.1f);
        }
        m.head = weights(sh.V, H, 99, &m.lhead); m.nFinal = floats(H, 98, 0.5f, 1.5f);
        Bufs b;
        CK(cudaMalloc(&b.x, 4 * H)); CK(cudaMalloc(&b.qkv, 4 * Q)); CK(cudaMalloc(&b.attn, 4 * H));
        CK(cudaMalloc(&b.h, 4 * I)); CK(cudaMalloc(&b.logits, 4 * sh.V));
        b.x0 = floats(H, 3, -2.0f, 2.0f);
        CK(cudaDeviceSynchronize()); CK(cudaGetLastError());
        printf("\n%s: %d layers of %.1f MB (roofline %.2f us per layer), lm_head %.0f MB (%.2f us)\n", sh.name,
               sh.layers, layerBytes / 1e6, layerBytes / (copyGBs * 1e3), headBytes / 1e6, headBytes / (copyGBs * 1e3));
        const int k16 = 2 * (int)((H + 7) & ~7);
        balance("qkv", Q, k16, STREAM_WARPS); balance("o", H, k16, STREAM_WARPS);
        balance("gate/up", I, 2 * k16, STREAM_WARPS); balance("down", H, 2 * (int)((I + 7) & ~7), STREAM_WARPS);
        balance("lm_head", sh.V, k16, STREAM_WARPS);
        const std::vector<float> want = outputs(s, nullptr, sh, m, b);
        for (size_t vi = 0; vi < variants.size(); vi++) {
            const Variant& v = variants[vi];
            const std::vector<float> got = outputs(s, &v, sh, m, b);
            rows[vi].bits[si] = memcmp(want.data(), got.data(), 4 * want.size()) ? "DIFFER" : "equal";
            auto layers = capture(s, [&] { step(s, &v, sh, m, b, false); });
            auto all = capture(s, [&] { step(s, &v, sh, m, b, true); });
            const float tl = time_graph(s, layers, reps) * 1e3f, ta = time_graph(s, all, reps) * 1e3f;
            CK(cudaGraphExecDestroy(layers)); CK(cudaGraphExecDestroy(all));
            Row& r = rows[vi];
            r.us[si] = tl / sh.layers; r.head[si] = ta - tl;
            r.pct[si] = 100.0f * layerBytes / (r.us[si] * 1e3f) / (float)copyGBs;
            r.hpct[si] = 100.0f * headBytes / (r.head[si] * 1e3f) / (float)copyGBs;
            auto shape = [&](int k, int fi, bool hd) {  // warps x slots x groups: blocks per multiprocessor
                const Kern& sk = pick(v, k, fi, hd);
                return std::to_string(sk.nw) + "x" + std::to_string(sk.nslot) + "x" + std::to_string(sk.segg) + ":" +
                       std::to_string(blocks_per_sm(sk, k, fi));
            };
            printf("  %-12s qkv %s  o %s  gate/up %s  down %s  lm_head %s  (warps x slots x groups: blocks per SM)\n",
                   v.name, shape((int)H, 1, false).c_str(), shape((int)H, 0, false).c_str(), shape((int)H, 2, false).c_str(),
                   shape((int)I, 0, false).c_str(), shape((int)H, 1, true).c_str());
            if (kinds) {  // each projection chained with itself: us per kernel, % of copy for its bytes
                const char* names[] = {"qkv", "o", "gate/up", "down"};
                const long long bytes[] = {2 * Q * H, 2 * H * H, 4 * I * H, 2 * H * I};
                printf("  %-12s", "");
                for (int kd = 0; kd < 4; kd++) {
                    auto g = capture(s, [&] { step(s, &v, sh, m, b, false, kd); });
                    const float us = time_graph(s, g, reps) * 1e3f / sh.layers;
                    CK(cudaGraphExecDestroy(g));
                    printf(" %s %.2f us (%.2f at copy, %.1f %%)", names[kd], us, bytes[kd] / (copyGBs * 1e3),
                           100.0 * bytes[kd] / (us * 1e3) / copyGBs);
                }
                printf("\n");
            }
        }
        for (Layer& w : m.L)
            for (void* q : {(void*)w.qkv, (void*)w.o, (void*)w.gu, (void*)w.d, (void*)w.lqkv, (void*)w.lo, (void*)w.lgu,
                            (void*)w.ld, (void*)w.nIn, (void*)w.nPost, (void*)w.bias}) CK(cudaFree(q));
        CK(cudaFree(m.head)); CK(cudaFree(m.lhead)); CK(cudaFree(m.nFinal));
        for (float* q : {b.x, b.x0, b.qkv, b.attn, b.h, b.logits}) CK(cudaFree(q));
    }
    printf("\nthe step in one graph (%s launches), us per layer and %% of the copy bandwidth (%.1f GB/s); lm_head us "
           "(with the layers' graph minus without); bits against the reference chain\n", g_pdl ? "dependent" : "plain", copyGBs);
    printf("%-12s | %9s %6s %9s %6s | %9s %6s %9s %6s | %6s %6s | %s\n", "variant", "0.5B us", "%cp", "head us", "%cp",
           "14B us", "%cp", "head us", "%cp", "0.5B", "14B", "what");
    for (size_t vi = 0; vi < variants.size(); vi++) {
        const Row& r = rows[vi];
        printf("%-12s | %9.2f %6.1f %9.2f %6.1f | %9.2f %6.1f %9.2f %6.1f | %6s %6s | %s\n", variants[vi].name, r.us[0],
               r.pct[0], r.head[0], r.hpct[0], r.us[1], r.pct[1], r.head[1], r.hpct[1], r.bits[0].c_str(),
               r.bits[1].c_str(), variants[vi].what);
    }
    return 0;
}
