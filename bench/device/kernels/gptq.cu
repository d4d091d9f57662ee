// Kernel-level benchmark of the GPTQ projections at batch 1 on the GPU machine (no JDK needed): kernels/gptq_matvec.cu
// (a warp per R rows, loads ahead in registers) and kernels/gptq_stream.cu (packed rows streamed through shared
// memory by the bulk copy engine) at several ring shapes (rows per unit x slots per warp x layout groups per segment
// [x warps][m: a unit's rows and tables in one copy each]) and kernels/gptq_direct.cu (group 128: rows read straight
// into registers, "direct R x warps, words / entries in flight per row for int8, then int4 [x blocks per
// multiprocessor]"), on the Qwen1.5-14B layer shapes (hidden 5120, FFN 13696,
// 40 heads x 128, qkv bias), int8 and int4, group size 128 and act-order, each layer with its own weights (more than
// L2 holds, as in decode).
// Checks that every variant's outputs have the bits of gptq_lin.cuh's one-thread reference (numerics.md §14, §2),
// then times, in CUDA graphs:
//   chain   one layer's four projections in order (qkv+norm+bias, o+resid, gate/up+norm+silu, down+resid), per layer
//   alone   each projection type over all layers' weights, per layer
// and prints µs per layer, GB/s of the bytes the kernels read (packed q and the (s, nz) tables) and the fraction of
// the copy bandwidth measured in the same run.
// Build: bench/device/kernels/build (nvcc, portable flags). Run: gptq [--layers N] [--reps N] [--pdl] [--only NAME-PART,...]
// (--pdl: gptq_decode.cu launched as dependent launches, as the engine launches them; --big: one input
// of the o projection 2^100, where the kernels with the subnormal dequantisation fall back to the biased one).
#include "../../../kernels/gptq_matvec.cu"
#include "../../../kernels/gptq_stream.cu"
#include "../../../kernels/gptq_direct.cu"
#include "../../../kernels/gptq_decode.cu"
#include "gptq_lin.cuh"

#include <array>
#include <cstring>
#include <string>

struct Layer { Lin qkv, o, gu, d; float *nIn, *nPost, *bias; };
struct Bufs { float *x, *x0, *qkv, *attn, *h; };
// kind 0: reference, 1: gptq_matvec, 2: gptq_stream (g_shapes[shape]), 3: gptq_direct (g_direct[shape]),
// 4: gptq_decode (g_decode[shape]), 5: gptq_decode with a shape per projection (g_mix[shape]: g_decode indices for
// qkv, o, gate/up, down)
struct Variant { std::string name; int kind; int shape; };
static std::vector<std::array<int, 4>> g_mix;
static int g_sms, g_smem;
static bool g_pdl;  // --pdl: gptq_decode launched as dependent launches (the engine's way, chain.cuh)
static void launch(const void* fn, int grid, int block, void** args, int smem, cudaStream_t st) {
    cudaLaunchConfig_t c = {};
    c.gridDim = dim3(grid);
    c.blockDim = dim3(block);
    c.dynamicSmemBytes = smem;
    c.stream = st;
    cudaLaunchAttribute a[1];
    a[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    a[0].val.programmaticStreamSerializationAllowed = 1;
    c.attrs = a;
    c.numAttrs = g_pdl ? 1 : 0;
    CK(cudaLaunchKernelExC(&c, fn, args));
}

// gptq_stream.cu at other ring shapes: same values, other timings.
#define GV_ARGS const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
    const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows, int k,      \
    int stride, int groups, int ldx
template <int BITS, int R, int FLAGS, int GQ, int NSLOT, int SEGG, int NW, bool M, bool PF, bool KC>
__global__ void __launch_bounds__(32 * NW, 1) gs_var(GV_ARGS) {
    gstream::gstream_impl<BITS, R, FLAGS, GQ, NSLOT, SEGG, NW, M, PF, KC>(Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y,
                                                                   bias, resid, rows, k, stride, groups, ldx);
}
// Switches of gptq_stream.cu: m: MERGED, one copy for a unit's rows and one for their tables when a row is one
// segment (shipped for int8 grouped); p: PF, a whole segment's next load read into registers before the current one
// is computed (int8, group 128 only; never shipped); k: KC, the exponent words of (float) (q - o) from a __constant__
// table (one PRMT or LOP3 per value instead of two instructions; shipped for int4).
struct Shape { int r, slots, segg, warps; const void* (*fn)(int bits, int flags, bool act); bool merged, pf, kc; };
template <int R, int NSLOT, int SEGG, int NW, bool M = false, bool PF = false, bool KC = false>
const void* gs_fn(int bits, int flags, bool act) {
    if (PF && (bits != 8 || act)) return nullptr;
#define GV(B, F) (act ? (const void*)gs_var<B, R, F, GQ_ACT, NSLOT, SEGG, NW, M, PF, KC> \
                      : (const void*)gs_var<B, R, F, 4, NSLOT, SEGG, NW, M, PF, KC>)
    if (bits == 8) return flags == 0 ? GV(8, 0) : flags == 1 ? GV(8, 1) : GV(8, 3);
    return flags == 0 ? GV(4, 0) : flags == 1 ? GV(4, 1) : GV(4, 3);
#undef GV
}
// shape 0: the shipped kernels (GSTREAM8_* / GSTREAM8A_* / GSTREAM4_*), by name
static const void* shipped(int bits, int flags, bool act) {
    static const void* f[2][2][3] = {
        {{(const void*)gptq_stream_int8_g128, (const void*)gptq_stream_int8_g128_norm, (const void*)gptq_stream_int8_g128_norm_silu},
         {(const void*)gptq_stream_int8_act, (const void*)gptq_stream_int8_act_norm, (const void*)gptq_stream_int8_act_norm_silu}},
        {{(const void*)gptq_stream_int4_g128, (const void*)gptq_stream_int4_g128_norm, (const void*)gptq_stream_int4_g128_norm_silu},
         {(const void*)gptq_stream_int4_act, (const void*)gptq_stream_int4_act_norm, (const void*)gptq_stream_int4_act_norm_silu}}};
    return f[bits == 8 ? 0 : 1][act][flags == 0 ? 0 : flags == 1 ? 1 : 2];
}
// Shapes measured before and left out here (docs/benchmarks.md): 2x3x4, 2x4x4, 4x3x2 (no faster), 2x3x8 (too much
// shared memory), 2x3x5, 2x3x5m, 4x3x10, 2x2x4x10, 2x2x2x20 and the k and p variants. 4x2x4 was the shipped int8
// shape until 2026-12-02: the baseline of the shipped row.
static const Shape g_shapes[] = {{0, 0, 0, 0, shipped}, {4, 2, 4, 8, gs_fn<4, 2, 4, 8>}};

// gptq_direct.cu (group 128 only) at several shapes: rows per unit, warps per block, words in flight per row and
// items whose (s, nz) entries are in flight (int8, then int4), blocks per multiprocessor. The first is the engine's
// (2x20w2/1,1/1 since 2026-12-02; 2x16w3/1,2/1 was the default before it).
// Units of R rows per warp balance: at 16 warps (2,112 on 132 multiprocessors) the 5,120-row projections (o, down)
// take 2 rounds for 1.2 units of 2 rows on average, 3 for 2.4 of one row; at 20 warps (2,640) 1 round of 2 rows, 2 of
// one row. SILU (gate/up) always takes 2 rows per unit.
template <int BITS, int R, int FLAGS, int NW, int D, int TD, int BPS, bool T16>
__global__ void __launch_bounds__(32 * NW, BPS) gd_var(GV_ARGS) {
    gdirect::gdirect_impl<BITS, (FLAGS & GDIRECT_SILU) && R < 2 ? 2 : R, FLAGS, 4, NW, D, TD, T16>(
        Wq, tab, gsz, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);
}
// t: T16, (s, nz) entries two per 16-byte load where aligned.
struct DShape { int r, warps, d8, td8, d4, td4, bps; const void* (*fn)(int bits, int flags, bool act); bool t16; };
template <int R, int NW, int D8, int TD8, int D4, int TD4, int BPS, bool T = false>
const void* gd_fn(int bits, int flags, bool act) {
    if (act) return nullptr;
    if (bits == 8) return flags == 0 ? (const void*)gd_var<8, R, 0, NW, D8, TD8, BPS, T>
                        : flags == 1 ? (const void*)gd_var<8, R, 1, NW, D8, TD8, BPS, T> : (const void*)gd_var<8, R, 3, NW, D8, TD8, BPS, T>;
    return flags == 0 ? (const void*)gd_var<4, R, 0, NW, D4, TD4, BPS, T>
         : flags == 1 ? (const void*)gd_var<4, R, 1, NW, D4, TD4, BPS, T> : (const void*)gd_var<4, R, 3, NW, D4, TD4, BPS, T>;
}
#define GD(R, NW, D8, TD8, D4, TD4, BPS) {R, NW, D8, TD8, D4, TD4, BPS, gd_fn<R, NW, D8, TD8, D4, TD4, BPS>}
#define GDT(R, NW, D8, TD8, D4, TD4, BPS) {R, NW, D8, TD8, D4, TD4, BPS, gd_fn<R, NW, D8, TD8, D4, TD4, BPS, true>, true}
static const DShape g_direct[] = {GD(GDIRECT_R, GDIRECT_WARPS, GDIRECT_D, GDIRECT_TD, GDIRECT4_D, GDIRECT4_TD, GDIRECT_BPS),
                                  GD(2, 16, 4, 2, 2, 1, 1), GD(2, 16, 2, 1, 1, 1, 1), GD(1, 16, 4, 1, 2, 1, 1),
                                  GD(2, 16, 3, 1, 2, 1, 1), GD(1, 24, 2, 1, 1, 1, 1), GD(2, 8, 3, 1, 2, 1, 2),
                                  GD(1, 20, 2, 1, 1, 1, 1), GDT(2, 16, 3, 1, 2, 1, 1), GDT(2, 20, 2, 1, 1, 1, 1)};
#undef GD
#undef GDT

// gptq_decode.cu (group 128 only) at several shapes: rows per unit, warps per block, words in flight per row for int8,
// then int4 [fN: N words past the loads requested into L2; hN: N words past the ring requested into L2 once, before the
// wait]. The first is the kernel file's default. Measured before
// and left out here (docs/benchmarks.md, 2026-12-02): 2x16w3,2, 2x16w4,3, 2x20w3,2, 2x24w2,2, 4x16w2,1, 4x16w3,2,
// 4x12w3,2, 2x24w2,2f16 (all slower than 2x32w2,1 or their f8 twins).
// z: the subnormal dequantisation (gptq.cuh, DZ; int4 since 2026-12-03: four scales per group made on chip per unit). 2026-12-03: fewer warps with more words in flight
// per row (registers: 95 at 20 warps x 5 words, 117-123 at 16 warps, 79 at 24 warps; none spill), for the projections
// whose units fill the warps once (o, down: 2,560 units of 2 rows, 2,640 warps at 20 per multiprocessor), and words
// requested into L2 ahead of the 32-warp ring.
template <int BITS, int R, int FLAGS, int NW, int D, int PF, bool DZ = false>
__global__ void __launch_bounds__(32 * NW, 1) gdec_var(GV_ARGS) {
    gdecode::gdecode_impl<BITS, (FLAGS & GDECODE_SILU) && R < 2 ? 2 : R, FLAGS, NW, D, PF, DZ>(
        Wq, tab, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);
}
struct DecShape { int r, warps, d8, d4; const void* (*fn)(int bits, int flags, bool act); int pf; bool dz; };
template <int R, int NW, int D8, int D4, int PF, bool DZ = false>
const void* gdec_fn(int bits, int flags, bool act) {
    if (act) return nullptr;
    if (bits == 8) return flags == 0 ? (const void*)gdec_var<8, R, 0, NW, D8, PF, DZ>
                        : flags == 1 ? (const void*)gdec_var<8, R, 1, NW, D8, PF, DZ> : (const void*)gdec_var<8, R, 3, NW, D8, PF, DZ>;
    return flags == 0 ? (const void*)gdec_var<4, R, 0, NW, D4, PF, DZ>
         : flags == 1 ? (const void*)gdec_var<4, R, 1, NW, D4, PF, DZ> : (const void*)gdec_var<4, R, 3, NW, D4, PF, DZ>;
}
#define GDE(R, NW, D8, D4, PF) {R, NW, D8, D4, gdec_fn<R, NW, D8, D4, PF>, PF}
#define GDEZ(R, NW, D8, D4, PF) {R, NW, D8, D4, gdec_fn<R, NW, D8, D4, PF, true>, PF, true}
static const DecShape g_decode[] = {GDE(GDECODE_R, GDECODE_WARPS, GDECODE_D, GDECODE4_D, GDECODE_PF),
                                    GDEZ(2, 32, 2, 1, 0), GDEZ(1, 32, 2, 1, 0),
                                    GDE(2, 20, 3, 3, 0), GDE(2, 20, 4, 4, 0), GDE(2, 20, 5, 5, 0),
                                    GDE(2, 16, 5, 5, 0), GDE(2, 16, 7, 7, 0), GDE(2, 24, 2, 2, 0),
                                    GDE(2, 24, 3, 3, 0), GDE(1, 20, 5, 5, 0), GDE(2, 32, 2, 1, 2),
                                    GDE(2, 32, 2, 1, 4), GDEZ(2, 20, 3, 3, 0), GDEZ(2, 24, 2, 2, 0),
                                    GDE(2, 26, 2, 2, 0), GDE(2, 26, 3, 3, 0), GDE(2, 32, 2, 1, 0), GDE(2, 28, 2, 2, 0),
                                    GDE(2, 32, 2, 1, -2), GDE(2, 32, 2, 1, -4), GDE(2, 20, 3, 3, -3), GDE(2, 20, 3, 3, -6)};
// Shapes per projection (qkv, o, gate/up, down), by the names of g_decode's rows.
static const char* const g_mixes[][4] = {
    {"decode 2x32w2,1", "decode 2x20w5,5", "decode 2x32w2,1", "decode 2x20w4,4"},
    {"decode 2x32w2,1", "decode 2x20w5,5", "decode 2x32w2,1", "decode 2x20w5,5"},
    {"decode 2x32w2,1", "decode 2x16w5,5", "decode 2x32w2,1", "decode 2x16w7,7"},
    {"decode 2x24w3,3", "decode 2x20w5,5", "decode 2x24w3,3", "decode 2x20w5,5"},
    {"decode 2x32w2,1", "decode 2x20w3,3", "decode 2x32w2,1", "decode 2x20w3,3"},
    {"decode 2x32w2,1z", "decode 2x20w3,3z", "decode 2x32w2,1z", "decode 2x20w3,3z"},
    {"decode 2x32w2,1z", "decode 2x20w5,5", "decode 2x32w2,1z", "decode 2x20w5,5"},
    {"decode 2x24w2,2z", "decode 2x20w3,3z", "decode 2x24w2,2z", "decode 2x20w3,3z"},
    {"decode 2x30w2,1", "decode 2x20w3,3", "decode 2x26w2,2", "decode 2x20w3,3"},
    {"decode 2x30w2,1", "decode 2x20w3,3", "decode 2x26w3,3", "decode 2x20w3,3"},
    {"decode 2x32w2,1h2", "decode 2x20w3,3h3", "decode 2x32w2,1h2", "decode 2x20w3,3h3"},
    {"decode 2x30w2,1", "decode 2x20w3,3h3", "decode 2x26w3,3", "decode 2x20w3,3h3"}};
#undef GDE
#undef GDEZ


static int xst(int k) { return (k + 3) & ~3; }

// gptq_matvec.cu's one-token kernels
static const void* matvec_fn(int bits, int flags, bool act) {
    static const void* f[2][2][3] = {
        {{(const void*)gptq_int8_t1, (const void*)gptq_int8_norm_t1, (const void*)gptq_int8_norm_silu_t1},
         {(const void*)gptq_int8_act_t1, (const void*)gptq_int8_act_norm_t1, (const void*)gptq_int8_act_norm_silu_t1}},
        {{(const void*)gptq_int4_t1, (const void*)gptq_int4_norm_t1, (const void*)gptq_int4_norm_silu_t1},
         {(const void*)gptq_int4_act_t1, (const void*)gptq_int4_act_norm_t1, (const void*)gptq_int4_act_norm_silu_t1}}};
    return f[bits == 8 ? 0 : 1][act][flags == 0 ? 0 : flags == 1 ? 1 : 2];
}

// The shipped kernels' shape for these weights (gptq_stream.cu's families).
#define GS_FAM(X) (bits == 4 ? GSTREAM4_##X : act ? GSTREAM8A_##X : GSTREAM8_##X)
static int shape_warps(const Shape& sh, int bits, bool act) { return sh.r ? sh.warps : GS_FAM(WARPS); }

// Shared memory of a gptq_stream shape for one projection (gptq_stream.cu's formula).
static int stream_smem(const Shape& sh, int bits, bool act, const Lin& w, int flags) {
    const int r = sh.r ? sh.r : GS_FAM(R);
    const int slots = sh.r ? sh.slots : GS_FAM(SLOTS);
    const int segg = sh.r ? sh.segg : GS_FAM(SEGG);
    const gstream::SlotRow sr = gstream::gstream_slot_row(bits, segg, w.k, w.stride, w.groups, act ? 0 : 128);
    return shape_warps(sh, bits, act) * slots * r * (sr.seg + 8 * sr.tabn) + 4 * xst(w.k) * (flags ? 2 : 1);
}
#undef GS_FAM

// Waits for the stream, at most `seconds`: a kernel that never finishes (a ring barrier that never completes) is
// reported by name instead of hanging the run.
#include <chrono>
#include <thread>
static void finish(cudaStream_t st, const std::string& what, int seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    cudaError_t e;
    while ((e = cudaStreamQuery(st)) == cudaErrorNotReady) {
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(seconds)) {
            fprintf(stderr, "gptq: %s did not finish in %d s\n", what.c_str(), seconds);
            exit(3);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (e != cudaSuccess) { fprintf(stderr, "gptq: %s: %s\n", what.c_str(), cudaGetErrorString(e)); exit(1); }
}

// One projection of one token: y = W x (+ bias) (+ resid), fused per flags (1: norm, 3: norm + silu).
static void proj(cudaStream_t st, const Variant& v, int bits, bool act, const Lin& w, const int* gidx, int flags,
                 const float* x, const float* nw, float* y, const float* bias, const float* resid) {
    float eps = 1e-6f; const int* xrows = nullptr; const int* rowPart = nullptr;
    int gsz = act ? 0 : 128, rows = w.rows, k = w.k, stride = w.stride, groups = w.groups, ldx = k, ldy = 0, n = 1;
    if (v.kind == 0) {
        const int outs = flags & 2 ? rows / 2 : rows;
        reference<<<(outs + 127) / 128, 128, 0, st>>>(w.qn, w.s, w.z, gidx, groups, x, nullptr, nw, eps, y, bias, resid,
                                                      rows, k, flags);
        CK(cudaGetLastError());
        return;
    }
    if (v.kind == 1) {
        ldy = flags & 2 ? rows / 2 : rows;
        void* args[] = {(void*)&w.q, (void*)&w.tab, &gidx, &rowPart, &gsz, &x, &xrows, &nw, &eps, &y, &bias, &resid,
                        &rows, &k, &stride, &groups, &ldx, &ldy, &n};
        const int rpb = 8 * (bits == 8 ? 2 : 4);
        CK(cudaLaunchKernel(matvec_fn(bits, flags, act), dim3((rows + rpb - 1) / rpb), dim3(256), args, 4 * xst(k), st));
        return;
    }
    if (v.kind == 3) {
        const DShape& sh = g_direct[v.shape];
        void* args[] = {(void*)&w.q, (void*)&w.tab, &gidx, &rowPart, &gsz, &x, &xrows, &nw, &eps, &y, &bias, &resid,
                        &rows, &k, &stride, &groups, &ldx};
        CK(cudaLaunchKernel(sh.fn(bits, flags, act), dim3(g_sms * sh.bps), dim3(32 * sh.warps), args,
                            gdirect::smem_bytes(bits, k, flags != 0), st));
        return;
    }
    if (v.kind == 4) {
        const DecShape& sh = g_decode[v.shape];
        void* args[] = {(void*)&w.q, (void*)&w.tab, &gidx, &rowPart, &gsz, &x, &xrows, &nw, &eps, &y, &bias, &resid,
                        &rows, &k, &stride, &groups, &ldx};
        const int r = (flags & 2) && sh.r < 2 ? 2 : sh.r;
        launch(sh.fn(bits, flags, act), g_sms, 32 * sh.warps, args,
               gdecode::smem_bytes(bits, k, groups, flags != 0, r, sh.warps, sh.dz && bits == 4), st);
        return;
    }
    const Shape& sh = g_shapes[v.shape];
    const int smem = stream_smem(sh, bits, act, w, flags);
    void* args[] = {(void*)&w.q, (void*)&w.tab, &gidx, &rowPart, &gsz, &x, &xrows, &nw, &eps, &y, &bias, &resid,
                    &rows, &k, &stride, &groups, &ldx};
    CK(cudaLaunchKernel(sh.fn(bits, flags, act), dim3(g_sms), dim3(32 * shape_warps(sh, bits, act)), args, smem, st));
}

// The four projections of layer l; only: one of them.
// The variant that runs projection o (0 qkv, 1 o, 2 gate/up, 3 down): a mix's decode shape for it, else v.
static Variant part(const Variant& v, int o) { return v.kind == 5 ? Variant{v.name, 4, g_mix[v.shape][o]} : v; }

static void layer(cudaStream_t st, const Variant& v, int bits, bool act, const Layer& w, int* const gidx[2], Bufs& b,
                  int only = -1) {
    if (only < 0 || only == 0) proj(st, part(v, 0), bits, act, w.qkv, gidx[0], 1, b.x, w.nIn, b.qkv, w.bias, nullptr);
    if (only < 0 || only == 1) proj(st, part(v, 1), bits, act, w.o, gidx[0], 0, b.attn, nullptr, b.x, nullptr, b.x);
    if (only < 0 || only == 2) proj(st, part(v, 2), bits, act, w.gu, gidx[0], 3, b.x, w.nPost, b.h, nullptr, nullptr);
    if (only < 0 || only == 3) proj(st, part(v, 3), bits, act, w.d, gidx[1], 0, b.h, nullptr, b.x, nullptr, b.x);
}

int main(int argc, char** argv) {
    int reps = 20, nl = 4;
    bool big = false;  // --big: one input of the o projection 2^100, beyond DZ's range (its kernels fall back)
    std::vector<std::string> only;  // variants whose name contains one of these (the reference always runs)
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--layers") && i + 1 < argc) nl = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pdl")) g_pdl = true;
        else if (!strcmp(argv[i], "--big")) big = true;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            for (std::string a = argv[++i]; !a.empty();) {
                const size_t c = a.find(',');
                only.push_back(a.substr(0, c));
                a = c == std::string::npos ? "" : a.substr(c + 1);
            }
        }
        else { printf("usage: gptq [--reps N] [--layers N] [--pdl] [--big] [--only NAME-PART[,NAME-PART...]]\n"); return 0; }
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);  // whole lines even when a pipe takes them
    cudaDeviceProp p; CK(cudaGetDeviceProperties(&p, 0));
    printf("device: %s, %d SMs, L2 %d MiB\n", p.name, p.multiProcessorCount, p.l2CacheSize >> 20);
    cudaStream_t st; CK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    const double copyGBs = copy_bandwidth(st, p.multiProcessorCount);
    printf("copy bandwidth: %.1f GB/s\n", copyGBs);
    g_sms = p.multiProcessorCount;
    g_smem = (int)p.sharedMemPerBlockOptin - 1024;
    for (int bits : {8, 4})
        for (int act = 0; act < 2; act++)
            for (int fl : {0, 1, 3}) {
                // the input row of 13696 floats alone is more than the default 48 KiB
                CK(cudaFuncSetAttribute(matvec_fn(bits, fl, act), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
                for (const Shape& sh : g_shapes)
                    if (sh.fn(bits, fl, act)) CK(cudaFuncSetAttribute(sh.fn(bits, fl, act), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
                for (const DShape& sh : g_direct)
                    if (sh.fn(bits, fl, act)) CK(cudaFuncSetAttribute(sh.fn(bits, fl, act), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem / sh.bps));
                for (const DecShape& sh : g_decode)
                    if (sh.fn(bits, fl, act)) CK(cudaFuncSetAttribute(sh.fn(bits, fl, act), cudaFuncAttributeMaxDynamicSharedMemorySize, g_smem));
            }

    const int H = 5120, Q = 15360, I = 13696;
    std::vector<Variant> variants = {{"reference", 0, 0}, {"matvec", 1, 0}};
    for (int i = 0; i < (int)(sizeof g_shapes / sizeof g_shapes[0]); i++) {
        const Shape& sh = g_shapes[i];
        variants.push_back({i == 0 ? std::string("stream") : "stream " + std::to_string(sh.r) + "x" + std::to_string(sh.slots) + "x"
                                 + std::to_string(sh.segg) + (sh.warps != 8 ? "x" + std::to_string(sh.warps) + "w" : "") + (sh.merged ? "m" : "") + (sh.pf ? "p" : "") + (sh.kc ? "k" : ""), 2, i});
    }
    for (int i = 0; i < (int)(sizeof g_direct / sizeof g_direct[0]); i++) {
        const DShape& sh = g_direct[i];
        variants.push_back({"direct " + std::to_string(sh.r) + "x" + std::to_string(sh.warps) + "w" + std::to_string(sh.d8) + "/"
                                + std::to_string(sh.td8) + "," + std::to_string(sh.d4) + "/" + std::to_string(sh.td4)
                                + (sh.bps > 1 ? "x" + std::to_string(sh.bps) + "b" : "") + (sh.t16 ? "t" : ""), 3, i});
    }
    for (int i = 0; i < (int)(sizeof g_decode / sizeof g_decode[0]); i++) {
        const DecShape& sh = g_decode[i];
        variants.push_back({"decode " + std::to_string(sh.r) + "x" + std::to_string(sh.warps) + "w"
                                + std::to_string(sh.d8) + "," + std::to_string(sh.d4) + (sh.pf > 0 ? "f" + std::to_string(sh.pf) : sh.pf < 0 ? "h" + std::to_string(-sh.pf) : "")
                                + (sh.dz ? "z" : ""), 4, i});
    }
    for (const auto& m : g_mixes) {
        std::array<int, 4> idx;
        std::string name = "mix";
        for (int o = 0; o < 4; o++) {
            idx[o] = -1;
            for (const Variant& v : variants)
                if (v.kind == 4 && v.name == m[o]) idx[o] = v.shape;
            if (idx[o] < 0) { fprintf(stderr, "gptq: no variant %s\n", m[o]); return 2; }
            name += std::string(o == 0 ? " q" : o == 1 ? " o" : o == 2 ? " g" : " d") + (m[o] + 7);
        }
        g_mix.push_back(idx);
        variants.push_back({name, 5, (int)g_mix.size() - 1});
    }
    Bufs b;
    CK(cudaMalloc(&b.x, 4 * H)); CK(cudaMalloc(&b.x0, 4 * H)); CK(cudaMalloc(&b.qkv, 4 * Q));
    CK(cudaMalloc(&b.attn, 4 * H)); CK(cudaMalloc(&b.h, 4 * I));
    fill_f32<<<64, 256>>>(b.x0, H, 3, -2.0f, 2.0f); fill_f32<<<64, 256>>>(b.attn, H, 4, -1.0f, 1.0f);
    if (big) { const float v = 0x1p100f; CK(cudaMemcpy(b.attn + 7, &v, 4, cudaMemcpyHostToDevice)); }
    for (int bits : {8, 4}) {
        std::vector<Layer> L(nl);
        long long layerBytes = 0;
        for (int l = 0; l < nl; l++) {
            Layer& w = L[l];
            w.qkv = make_lin(Q, H, bits, 11 + l); w.o = make_lin(H, H, bits, 23 + l);
            w.gu = make_lin(2 * I, H, bits, 37 + l); w.d = make_lin(H, I, bits, 41 + l);
            CK(cudaMalloc(&w.nIn, 4 * H)); CK(cudaMalloc(&w.nPost, 4 * H)); CK(cudaMalloc(&w.bias, 4 * Q));
            fill_f32<<<64, 256>>>(w.nIn, H, 5 + l, 0.5f, 1.5f); fill_f32<<<64, 256>>>(w.nPost, H, 7 + l, 0.5f, 1.5f);
            fill_f32<<<64, 256>>>(w.bias, Q, 9 + l, -0.1f, 0.1f);
            layerBytes = lin_bytes(w.qkv) + lin_bytes(w.o) + lin_bytes(w.gu) + lin_bytes(w.d);
        }
        const long long projBytes[4] = {lin_bytes(L[0].qkv), lin_bytes(L[0].o), lin_bytes(L[0].gu), lin_bytes(L[0].d)};
        for (int act = 0; act < 2; act++) {
            int* gidx[2];  // for k = hidden and k = FFN
            CK(cudaMalloc(&gidx[0], 4 * H)); CK(cudaMalloc(&gidx[1], 4 * I));
            fill_gidx<<<64, 256>>>(gidx[0], H, act); fill_gidx<<<64, 256>>>(gidx[1], I, act);
            CK(cudaDeviceSynchronize()); CK(cudaGetLastError());
            printf("\nqwen1.5-14b int%d %s: %d layers of %.1f MB (packed q and (s, nz) tables); roofline %.2f us per layer\n",
                   bits, act ? "act-order (group 128)" : "group 128", nl, layerBytes / 1e6, layerBytes / (copyGBs * 1e3));
            printf("%-16s %6s | %9s %7s %5s | %13s %13s %13s %13s\n", "variant", "bits", "chain us", "GB/s", "%cp",
                   "qkv us (%cp)", "o", "gate/up", "down");
            std::vector<float> ref[3];
            for (const Variant& v : variants) {
                bool picked = only.empty() || v.kind == 0;
                for (const std::string& o : only) picked = picked || v.name.find(o) != std::string::npos;
                if (!picked) continue;
                if ((v.kind == 2 && !g_shapes[v.shape].fn(bits, 1, act)) || (v.kind == 3 && !g_direct[v.shape].fn(bits, 1, act))
                    || ((v.kind == 4 || v.kind == 5) && !g_decode[part(v, 0).shape].fn(bits, 1, act))) {
                    printf("%-16s %s\n", v.name.c_str(), "not built for these weights");
                    continue;
                }
                if (v.kind == 4 || v.kind == 5) {  // the widest projection (down) needs the most
                    int need = 0;
                    const Lin* ws[4] = {&L[0].qkv, &L[0].o, &L[0].gu, &L[0].d};
                    for (int o = 0; o < 4; o++) {  // qkv and gate/up with the norm (layer()), gate/up with 2 rows at least
                        const DecShape& sh = g_decode[part(v, o).shape];
                        need = std::max(need, gdecode::smem_bytes(bits, ws[o]->k, ws[o]->groups, o == 0 || o == 2,
                                                                  o == 2 ? std::max(sh.r, 2) : sh.r, sh.warps,
                                                                  sh.dz && bits == 4));
                    }
                    if (need > g_smem) { printf("%-16s needs %d bytes of shared memory, the GPU has %d\n", v.name.c_str(), need, g_smem); continue; }
                }
                if (v.kind == 2) {
                    const Shape& sh = g_shapes[v.shape];
                    const int need = std::max(std::max(stream_smem(sh, bits, act, L[0].qkv, 1), stream_smem(sh, bits, act, L[0].o, 0)),
                                              std::max(stream_smem(sh, bits, act, L[0].gu, 1), stream_smem(sh, bits, act, L[0].d, 0)));
                    if (need > g_smem) { printf("%-16s needs %d bytes of shared memory, the GPU has %d\n", v.name.c_str(), need, g_smem); continue; }
                }
                const std::string what = "int" + std::to_string(bits) + (act ? " act-order " : " group 128 ") + v.name;
                fprintf(stderr, "gptq: %s: bits\n", what.c_str());
                CK(cudaMemcpy(b.x, b.x0, 4 * H, cudaMemcpyDeviceToDevice));
                for (int l = 0; l < nl; l++) layer(st, v, bits, act, L[l], gidx, b);
                finish(st, what, 60);
                std::vector<float> out[3] = {std::vector<float>(H), std::vector<float>(Q), std::vector<float>(I)};
                CK(cudaMemcpy(out[0].data(), b.x, 4 * H, cudaMemcpyDeviceToHost));
                CK(cudaMemcpy(out[1].data(), b.qkv, 4 * Q, cudaMemcpyDeviceToHost));
                CK(cudaMemcpy(out[2].data(), b.h, 4 * I, cudaMemcpyDeviceToHost));
                if (v.kind == 0) {
                    for (int i = 0; i < 3; i++) ref[i] = out[i];
                    printf("%-16s %6s |\n", v.name.c_str(), "ref");
                    continue;
                }
                bool same = true;
                for (int i = 0; i < 3; i++) same = same && !memcmp(ref[i].data(), out[i].data(), 4 * out[i].size());
                fprintf(stderr, "gptq: %s: %s, timing\n", what.c_str(), same ? "equal" : "DIFFER");
                auto chain = capture(st, [&] { for (int l = 0; l < nl; l++) layer(st, v, bits, act, L[l], gidx, b); });
                const float c = time_graph(st, chain, reps) * 1e3 / nl;
                CK(cudaGraphExecDestroy(chain));
                printf("%-16s %6s | %9.2f %7.0f %5.1f |", v.name.c_str(), same ? "equal" : "DIFFER", c,
                       layerBytes / (c * 1e3), 100 * layerBytes / (c * 1e3) / copyGBs);
                for (int o = 0; o < 4; o++) {
                    auto g = capture(st, [&] { for (int l = 0; l < nl; l++) layer(st, v, bits, act, L[l], gidx, b, o); });
                    const float a = time_graph(st, g, reps) * 1e3 / nl;
                    CK(cudaGraphExecDestroy(g));
                    printf(" %6.2f (%4.1f)", a, 100 * projBytes[o] / (a * 1e3) / copyGBs);
                }
                printf("\n");
            }
            cudaFree(gidx[0]); cudaFree(gidx[1]);
        }
        for (Layer& w : L) {
            for (Lin* l : {&w.qkv, &w.o, &w.gu, &w.d}) free_lin(*l);
            for (void* q : {(void*)w.nIn, (void*)w.nPost, (void*)w.bias}) cudaFree(q);
        }
    }
    return 0;
}
