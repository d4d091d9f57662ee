// A mixture of experts' chosen experts for steps of few (token, choice) pairs (the decode step at batch 1): every
// pair's rows streamed by matvec_stream.cu's persistent grid and ring, in place of matvec_experts (matvec.cu), which
// gives each pair a grid row of blocks (measured no faster on an H100, 2026-12-06: engine-cuda MoeKernels.STREAM keeps
// it off by default).
// Canonical order: the same as matvec.cu (numerics.md §2, §9.1): W = 32 partials (fewer for k < 32), P[i mod W] =
// fmaf(x[i], w[i], P[i mod W]) in increasing i, then the halving tree s = W/2, ..., 1, lane q adding lane q + s.
// Mapping: the step's rows are every pair's rows in turn (pair p = token p / k's (p % k)-th choice); each warp owns a
// contiguous run of them (of (gate, up) row pairs for SILU), fixed by the pair count, the row count and the grid alone,
// and computes each row whole, reading it from its expert's weights (weights[list[p]], moe_route's ascending list):
// input row p / xdiv of x (k for gate|up of the token's x' normed before, 1 for down of the pair's own h row), output
// row p of y. The block's input rows are staged once in shared memory. Who copies or computes a row never changes a
// value: every (pair, row) is matvec_experts' dot, the same bits, whoever else is in the batch.
// Fused step: SILU: rows come in (gate, up) pairs 2i, 2i+1, computed one after the other by one warp; h[i] =
// silu(gate) * up (§5, §9).
// Launched without the programmatic attribute: the weights' addresses come from the list the step wrote, so nothing is
// requested before the kernels before it have finished.
// CPU twins: backend/cpu/Experts.run, backend/cpu/Mlp (MatMul.rows, numerics/Dot, PartialTree, FloatMath.silu).
#include "chain.cuh"
#include "layout.cuh"
#include "stream.cuh"

// The ring: EXPERTS_WARPS warps x EXPERTS_SLOTS slots of EXPERTS_GROUPS layout groups (matvec_stream.cu's _w16 shape;
// engine-cuda MoeKernels.STREAM_RING).
#define EXPERTS_WARPS 16
#define EXPERTS_SLOTS 2
#define EXPERTS_GROUPS 8
#define EXPERTS_SLOT_BYTES (EXPERTS_GROUPS * 512 + 576)

namespace {

// The contiguous run of units [lo, hi) of warp gw of tw over `units` units.
__device__ __forceinline__ void run_of(long long gw, long long tw, long long units, long long& lo, long long& hi) {
    lo = gw * units / tw;
    hi = (gw + 1) * units / tw;
}

template <typename T, bool SILU>
__device__ __forceinline__ void experts_stream_impl(const T* const* weights, const int* list, int xdiv, const float* x,
                                                    float* y, int rows, int k, int stride, int ldx, int ldy,
                                                    int pairs) {
    constexpr int NW = EXPERTS_WARPS;
    constexpr int NSLOT = EXPERTS_SLOTS;
    constexpr int SEGG = EXPERTS_GROUPS;
    constexpr int SLOTB = EXPERTS_SLOT_BYTES;
    constexpr int U = SILU ? 2 : 1;  // rows per unit of work
    extern __shared__ float4 sm4[];
    unsigned char* ring = reinterpret_cast<unsigned char*>(sm4);  // [warp][slot][SLOTB]
    float* xs = reinterpret_cast<float*>(ring + NW * NSLOT * SLOTB);  // the block's input rows, xst floats apart
    __shared__ unsigned long long full[NW][NSLOT];
    const inv::RowLayout l = inv::row_layout(k, sizeof(T));
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int gbytes = l.w * 16;  // one group: lanes x 16 bytes
    const int rowBytes = stride * (int)sizeof(T);
    const int nseg = l.groups == 0 ? 1 : (l.groups + SEGG - 1) / SEGG;
    const int xst = (k + 3) & ~3;

    // This warp's units, and the block's, whose pairs' input rows inLo .. inHi it stages.
    const long long units = (long long)pairs * (rows / U);
    long long u0, u1, b0, b1;
    run_of((long long)blockIdx.x * NW + warp, (long long)gridDim.x * NW, units, u0, u1);
    run_of(blockIdx.x, gridDim.x, units, b0, b1);
    const int items = (int)(u1 - u0) * U * nseg;
    const int inLo = (int)(b0 * U / rows) / xdiv;
    const int inHi = b1 > b0 ? (int)((b1 * U - 1) / rows) / xdiv : inLo - 1;
    unsigned char* myRing = ring + warp * NSLOT * SLOTB;
    int basePair = -1;  // lane 0: the pair whose expert base points at
    const unsigned char* base = nullptr;
    auto issue = [&](int it) {
        const int r = it / nseg, s = it - r * nseg;
        const long long gr = u0 * U + r;  // the row among every pair's rows
        const int p = (int)(gr / rows);
        if (p != basePair) {
            basePair = p;
            base = reinterpret_cast<const unsigned char*>(weights[list[p]]);
        }
        const int lo = s * SEGG * gbytes, hi = s == nseg - 1 ? rowBytes : lo + SEGG * gbytes;
        inv::bulk_load(myRing + (it % NSLOT) * SLOTB, base + (gr - (long long)p * rows) * rowBytes + lo,
                       (unsigned)(hi - lo), &full[warp][it % NSLOT]);
    };
    // what the kernels before this one write (the list, the input rows) is read only from here on
    inv::await_inputs();
    inv::release_next();
    if (lane == 0) {
        inv::ring_init(full[warp], NSLOT);
        for (int it = 0; it < NSLOT && it < items; it++) issue(it);
    }
    // the block's input rows, staged while the weights are on their way
    const int count = inHi - inLo + 1;
    if ((k & 3) == 0 && (ldx & 3) == 0 && inv::aligned16(x)) {
        const int q4 = k >> 2;
        for (int i = threadIdx.x; i < count * q4; i += blockDim.x) {
            const int j = i / q4, c = i - j * q4;
            reinterpret_cast<float4*>(xs + j * xst)[c] =
                __ldg(reinterpret_cast<const float4*>(x + (long long)(inLo + j) * ldx) + c);
        }
    } else {
        for (int i = threadIdx.x; i < count * k; i += blockDim.x) {
            const int j = i / k, c = i - j * k;
            xs[j * xst + c] = __ldg(x + (long long)(inLo + j) * ldx + c);
        }
    }
    __syncthreads();

    const bool on = lane < l.w;
    float acc = 0.0f, gate = 0.0f;
    for (int it = 0; it < items; it++) {
        const int slot = it % NSLOT;
        const int r = it / nseg, s = it - r * nseg;
        const long long gr = u0 * U + r;
        const int p = (int)(gr / rows);
        const int row = (int)(gr - (long long)p * rows);
        const float* xr = xs + (p / xdiv - inLo) * xst;
        inv::mbar_wait(&full[warp][slot], (unsigned)(it / NSLOT) & 1u);
        const unsigned char* seg = myRing + slot * SLOTB;
        const int g0 = s * SEGG, g1 = min(l.groups, g0 + SEGG);
        if (on) inv::segment_dot<T, SEGG>(seg, xr + lane, l, g0, g1, gbytes, lane, acc);
        const bool last = s == nseg - 1;
        if (last && on) inv::row_rest<T>(seg, xr + lane, l, k, g1 - g0, gbytes, lane, acc);
        inv::slot_done(lane, it, NSLOT, items, issue);  // every lane has read the slot: it may be refilled
        if (last) {
#pragma unroll
            for (int d = 16; d >= 1; d >>= 1) {
                const float o = __shfl_down_sync(0xffffffffu, acc, d);
                if (d < l.w) acc = acc + o;
            }
            if (!SILU) {
                if (lane == 0) y[(long long)p * ldy + row] = acc;
            } else if ((row & 1) == 0) {
                gate = acc;
            } else if (lane == 0) {
                y[(long long)p * ldy + (row >> 1)] = inv::silu_canon(gate) * acc;
            }
            acc = 0.0f;
        }
    }
}

}  // namespace

// Named experts_stream_<dtype>[_silu]: the down projection, the gate|up projection with SiLU (of x' normed before). A
// persistent grid (a block per multiprocessor); shared memory: EXPERTS_WARPS * EXPERTS_SLOTS * EXPERTS_SLOT_BYTES +
// 4 * xst * (the most input rows a block stages: engine-cuda MoeKernels.streamedSmem), xst = k rounded up to 4.
#define EXPERTS_STREAM(name, T, SILU)                                                                                \
    INV_EXTERN void __launch_bounds__(32 * EXPERTS_WARPS, 1)                                                          \
        name(const T* const* weights, const int* list, int xdiv, const float* x, float* y, int rows, int k,           \
             int stride, int ldx, int ldy, int pairs) {                                                               \
        experts_stream_impl<T, SILU>(weights, list, xdiv, x, y, rows, k, stride, ldx, ldy, pairs);                   \
    }

EXPERTS_STREAM(experts_stream_bf16, unsigned short, false)
EXPERTS_STREAM(experts_stream_bf16_silu, unsigned short, true)
EXPERTS_STREAM(experts_stream_f32, float, false)
EXPERTS_STREAM(experts_stream_f32_silu, float, true)
