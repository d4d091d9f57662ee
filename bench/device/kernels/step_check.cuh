// What step_persistent.cu checks and times the persistent step against: today's chain of kernels for one token (as
// engine-cuda Kernels launches them), the step's outputs collected and compared bit for bit, the L2 windows of the
// weights ahead, and a kernel of grid barriers alone.
#pragma once
#include "../../../kernels/rope_kv.cu"
#include "step_persistent.cuh"
#include "harness.cuh"

#include <cstring>
#include <string>

static int g_sms;
static bool g_coop = true;  // false where a cooperative launch cannot be captured: plain, occupancy-checked launches

static void launch(cudaStream_t st, const void* f, dim3 grid, dim3 block, void** args, int smem, bool pdl, bool coop) {
    coop = coop && g_coop;
    cudaLaunchConfig_t c = {};
    c.gridDim = grid; c.blockDim = block; c.dynamicSmemBytes = smem; c.stream = st;
    cudaLaunchAttribute a[1];
    a[0].id = coop ? cudaLaunchAttributeCooperative : cudaLaunchAttributeProgrammaticStreamSerialization;
    if (coop) a[0].val.cooperative = 1; else a[0].val.programmaticStreamSerializationAllowed = 1;
    c.attrs = a; c.numAttrs = (pdl || coop) ? 1 : 0;
    CK(cudaLaunchKernelExC(&c, f, args));
}

// Today's chain, as engine-cuda Kernels launches it for one token; rec: the residual stream after each layer.
struct Chain { float *x, *qkv, *attn, *h, *logits, *rec; };
static const int ATT_WARPS = 4, ATT_GROUPS = 16;
static int att_smem(const Step& s, int warps) {  // AttentionKernels.java's decodeSmem
    return 4 * s.headDim + warps * 4 * (64 * s.headDim + 64 * (s.headDim + 4) + 128);
}

// The chain's projection kernels: the backend's _w16 ring, or matvec_stream.cu's kernel at another ring shape (the
// same values).
template <int FLAGS, int NSLOT, int SEGG, int NW>
__global__ void __launch_bounds__(32 * NW, 1) ring_kernel(const unsigned short* W, const float* x, const int* xrows,
        const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, int k, int stride,
        int ldx) {
    stream_impl<unsigned short, FLAGS, NSLOT, SEGG, NW>(W, x, xrows, nw, eps, y, bias, resid, rows, k, stride, ldx);
}
struct Ring { const void* f[3]; int nw, nslot, segg; };  // f: plain, norm, norm + silu
static const Ring W16_RING = {{(const void*)matvec_stream_bf16_w16, (const void*)matvec_stream_bf16_norm_w16,
                               (const void*)matvec_stream_bf16_norm_silu_w16}, W16_WARPS, W16_SLOTS, SEG_GROUPS};
static const Ring RING_6X3 = {{(const void*)ring_kernel<0, 6, 3, 16>, (const void*)ring_kernel<STREAM_NORM, 6, 3, 16>,
                               (const void*)ring_kernel<STREAM_NORM | STREAM_SILU, 6, 3, 16>}, 16, 6, 3};

static void chain(cudaStream_t st, const Step& s, const Chain& c, bool record, bool pdl, const Ring& rg = W16_RING) {
    const int H = s.H, Q = s.Q, I = s.I;
    const unsigned short* head = s.w + s.layers * layer_weights(s);
    const int ring = rg.nw * rg.nslot * STREAM_SLOT_BYTES(rg.segg), k4 = 4 * ((H + 3) & ~3), i4 = 4 * ((I + 3) & ~3);
    auto mv = [&](int fi, const unsigned short* W, const float* x, const float* nw, float* y, const float* bias,
                  const float* resid, int rows, int k, int smem) {
        const int* xrows = nullptr; float eps = s.eps; int stride = k, ldx = k;
        void* args[] = {&W, &x, &xrows, &nw, &eps, &y, &bias, &resid, &rows, &k, &stride, &ldx};
        launch(st, rg.f[fi], dim3(g_sms), dim3(32 * rg.nw), args, smem, pdl, false);
    };
    {
        const int* tok = s.tokens; float* x = c.x; int hh = H;
        void* args[] = {&head, &tok, &x, &hh};
        launch(st, (const void*)embed_bf16, dim3(1), dim3(256), args, 0, pdl, false);
    }
    for (int l = 0; l < s.layers; l++) {
        const unsigned short* w = s.w + l * layer_weights(s);
        const float* f = s.f + l * layer_floats(s);
        float* keys = s.keys + l * s.kvFloats; float* values = s.values + l * s.kvFloats;
        mv(1, w, c.x, f, c.qkv, f + 2 * H, nullptr, Q, H, ring + 2 * k4);
        {
            float* qkv = c.qkv; const float* nul = nullptr; float eps = s.eps;
            int heads = s.heads, kvh = s.kvHeads, hd = s.headDim, bs = s.blockSize;
            void* args[] = {&qkv, (void*)&s.positions, (void*)&s.tokSeq, (void*)&s.seqTableStart, (void*)&s.tables,
                            (void*)&s.cosT, (void*)&s.sinT, &nul, &nul, &eps, &heads, &kvh, &hd, &bs, &keys, &values};
            launch(st, (const void*)rope_kv, dim3(1, heads + 2 * kvh), dim3(32), args, 0, pdl, false);
        }
        {
            const float* qkv = c.qkv; float* part = s.part; float* out = c.attn; int* done = s.done;
            int heads = s.heads, kvh = s.kvHeads, hd = s.headDim, bs = s.blockSize, ms = s.maxSplits;
            float scale = s.scale, softcap = 0.0f;  // uncapped, every key (window 0)
            int window = 0;
            void* args[] = {&qkv, &part, (void*)&s.positions, (void*)&s.tokSeq, (void*)&s.seqTableStart,
                            (void*)&s.tables, &keys, &values, &heads, &kvh, &hd, &bs, &scale, &window, &softcap, &ms,
                            &out, &done};
            const int groups = std::min(ATT_GROUPS, (s.maxSplits + ATT_WARPS - 1) / ATT_WARPS);
            launch(st, (const void*)attention_splits, dim3(heads, groups), dim3(32 * ATT_WARPS), args,
                   att_smem(s, ATT_WARPS), pdl, false);
        }
        const long long QH = (long long)Q * H, HH = (long long)H * H, GH = 2LL * I * H;
        mv(0, w + QH, c.attn, nullptr, c.x, nullptr, c.x, H, H, ring + k4);
        mv(2, w + QH + HH, c.x, f + H, c.h, nullptr, nullptr, 2 * I, H, ring + 2 * k4);
        mv(0, w + QH + HH + GH, c.h, nullptr, c.x, nullptr, c.x, H, I, ring + i4);
        if (record) CK(cudaMemcpyAsync(c.rec + (long long)l * H, c.x, 4 * H, cudaMemcpyDeviceToDevice, st));
    }
    mv(1, head, c.x, s.f + s.layers * layer_floats(s), c.logits, nullptr, nullptr, s.V, H, ring + 2 * k4);
}

// A persistent kernel shape and how it is run.
struct Kind { const char* name; const void* f; int nw, nslot, segg, opts, minb; };
#define KIND(name, NW, NSLOT, SEGG, OPTS, MINB) Kind{name, (const void*)step_persistent<NW, NSLOT, SEGG, OPTS, MINB>, \
                                                    NW, NSLOT, SEGG, OPTS, MINB}
struct Variant { int kind; bool early; double aheadMB; int style; bool flags; bool l2late; const char* what; };

// What a step leaves to compare: the residual after every layer, every layer's K and V rows at the position, the
// last layer's q|k|v, the logits.
struct Outs { std::vector<float> x, kv, qkv, logits; };
static long long kv_row(const Step& s, const std::vector<int>& tables, int pos) {
    return ((long long)tables[pos / s.blockSize] * s.blockSize + pos % s.blockSize) * s.kvHeads * s.headDim;
}
static void poison_kv(const Step& s, long long row) {
    for (int l = 0; l < s.layers; l++) {
        CK(cudaMemset(s.keys + l * s.kvFloats + row, 0xff, 4 * s.kvHeads * s.headDim));
        CK(cudaMemset(s.values + l * s.kvFloats + row, 0xff, 4 * s.kvHeads * s.headDim));
    }
    CK(cudaDeviceSynchronize());  // the default stream's memsets, before work on the step's (non-blocking) stream
}
static Outs collect(const Step& s, long long row, const float* x, long long xStride, const float* qkv,
                    const float* logits) {
    Outs o;
    const int kvd = s.kvHeads * s.headDim;
    o.x.resize((size_t)s.layers * s.H); o.kv.resize((size_t)s.layers * 2 * kvd);
    o.qkv.resize(s.Q); o.logits.resize(s.V);
    for (int l = 0; l < s.layers; l++) {
        CK(cudaMemcpy(o.x.data() + (size_t)l * s.H, x + l * xStride, 4 * s.H, cudaMemcpyDeviceToHost));
        float* at = o.kv.data() + (size_t)l * 2 * kvd;
        CK(cudaMemcpy(at, s.keys + l * s.kvFloats + row, 4 * kvd, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(at + kvd, s.values + l * s.kvFloats + row, 4 * kvd, cudaMemcpyDeviceToHost));
    }
    CK(cudaMemcpy(o.qkv.data(), qkv, 4 * s.Q, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(o.logits.data(), logits, 4 * s.V, cudaMemcpyDeviceToHost));
    return o;
}
static Outs collect_chain(const Step& s, long long row, const Chain& c) {
    return collect(s, row, c.rec, s.H, c.qkv, c.logits);
}
static Outs collect_persistent(const Step& s, long long row) {
    const long long la = layer_acts(s), last = (long long)s.layers * la;
    return collect(s, row, s.act + la, la, s.act + (s.layers - 1) * la + s.H, s.act + last + s.H);
}
// "equal", or where the bits first differ (and how many differ) in each part.
static std::string compare(const Step& s, const Outs& want, const Outs& got) {
    std::string r;
    auto part = [&](const char* what, const std::vector<float>& a, const std::vector<float>& b, int per) {
        long long n = 0, first = -1;
        for (size_t i = 0; i < a.size(); i++)
            if (memcmp(&a[i], &b[i], 4)) { if (first < 0) first = (long long)i; n++; }
        if (n == 0) return;
        char buf[200];
        snprintf(buf, sizeof buf, "%s%s: %lld differ, first at layer %lld index %lld (%.9g vs %.9g)",
                 r.empty() ? "" : "; ", what, n, first / per, first % per, a[first], b[first]);
        r += buf;
    };
    part("x", want.x, got.x, s.H);
    part("kv", want.kv, got.kv, 2 * s.kvHeads * s.headDim);
    part("qkv", want.qkv, got.qkv, s.Q);
    part("logits", want.logits, got.logits, s.V);
    return r.empty() ? "equal" : "DIFFER " + r;
}

// The L2 windows: phase p requests the arena's bytes from where the last window ended up to aheadMB past the start
// of its own weights (for a phase without weights, of the next weights), never more: a window as large as the lm_head
// would flush L2 before its lines are read.
static std::vector<long long> l2_windows(const Step& s, double aheadMB) {
    std::vector<long long> start;  // where each phase's weights (or the next weights) start, in bytes
    const long long H = s.H, Q = s.Q, I = s.I;
    long long at = 0;
    start.push_back(0);
    for (int l = 0; l < s.layers; l++) {
        start.push_back(at); at += 2 * Q * H;
        start.push_back(at);
        start.push_back(at); at += 2 * H * H;
        start.push_back(at); at += 4 * I * H;
        start.push_back(at); at += 2 * H * I;
    }
    start.push_back(at); at += 2LL * s.V * H;
    std::vector<long long> w;
    long long done = 0;
    for (long long b : start) {
        const long long hi = std::max(done, std::min(at, b + (long long)(aheadMB * 1048576.0) / 16 * 16));
        w.push_back(done); w.push_back(hi);
        done = hi;
    }
    return w;
}

// Where the time went in the last step (Step::stamps, Step::ends): per phase (the layers' phases averaged), from block
// 0 passing the wait that starts it to block 0 passing the next one, split into the part until the slowest block's
// work was done ("work") and the rest ("sync": the barrier or flag); in brackets, the phase's weights at the copy
// bandwidth.
static std::string phase_times(const Step& s, const unsigned long long* stamps, const unsigned long long* ends,
                               int grid, double copyGBs) {
    const int P = step_phases(s);
    std::vector<unsigned long long> t(P + 1), e((size_t)P * grid);
    CK(cudaMemcpy(t.data(), stamps, 8 * (P + 1), cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(e.data(), ends, 8 * e.size(), cudaMemcpyDeviceToHost));
    auto work = [&](int p) {  // start to the slowest block's end, us
        unsigned long long m = 0;
        for (int b = 0; b < grid; b++) m = std::max(m, e[(size_t)p * grid + b]);
        return (double)(long long)(m - t[p]) * 1e-3;
    };
    double tot[5] = {0}, wk[5] = {0};
    for (int l = 0; l < s.layers; l++)
        for (int j = 0; j < 5; j++) {
            const int p = 1 + 5 * l + j;
            tot[j] += (double)(t[p + 1] - t[p]) * 1e-3 / s.layers;
            wk[j] += work(p) / s.layers;
        }
    const double H = s.H, Q = s.Q, I = s.I, cp = copyGBs * 1e3;
    const double bytes[5] = {2 * Q * H, 0, 2 * H * H, 4 * I * H, 2 * H * I};
    const char* names[5] = {"qkv", "attn", "o", "gate/up", "down"};
    std::string r;
    char b[160];
    snprintf(b, sizeof b, "embed %.1f | per layer:", (t[1] - t[0]) * 1e-3);
    r += b;
    for (int j = 0; j < 5; j++) {
        snprintf(b, sizeof b, " %s %.2f = work %.2f + sync %.2f (%.2f)", names[j], tot[j], wk[j], tot[j] - wk[j],
                 bytes[j] / cp);
        r += b;
    }
    snprintf(b, sizeof b, " | head %.1f (%.1f) | total %.1f us", (t[P] - t[P - 1]) * 1e-3, 2.0 * s.V * H / cp,
             (t[P] - t[0]) * 1e-3);
    return r + b;
}

__global__ void barriers_only(unsigned* words, int style, int n) {
    GridBar bar{words, style, 0};
    for (int i = 0; i < n; i++) { bar.arrive(); bar.wait(); }
    bar.exit();
}

