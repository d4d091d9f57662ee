// The naive profile's projections: deliberately batch-dependent, as a conventional GPU engine's are (docs/naive.md,
// numerics.md §12). It exists to reproduce the failure Invariant removes; the portable kernels never do this.
// y[t][o] = dot(W[o], x[t]) (+ bias[o]) (+ resid[t][o]) as a split-K GEMM computes it: K is cut into S pieces of whole
// W-index chunks (W = dot_width(k) partials), piece s taking chunks [s * C / S, (s + 1) * C / S) (the last one also
// the k % W tail). In a piece, lane p keeps its partial (fmaf over indices p, p + W, ... in increasing k), the warp
// adds its lanes with a butterfly, and the piece's sum is rounded to bf16; the pieces are added in increasing order
// from 0 and the output is rounded to bf16 again, as bf16 serving does (CPU twin: backend/cpu/NaiveMatMul). The host
// picks S from the step's token count and the matrix shape (engine-cuda NaiveKernels.splits, a split-K GEMM
// heuristic), so a token's logits change with the batch it is in. Deterministic for a given batch: no atomics; with
// S > 1 each piece writes its sum to a workspace [S][n][rows] and naive_merge adds them in order.
// Weights are read as the portable kernels store them: dense bf16/f32 in layout.cuh's order, GPTQ int8/int4 in
// engine-cuda GptqRows' order, each weight dequantised by the contract's one operation (numerics.md §14),
// w = fmaf((float) (q - o), s, nz) with (s, nz) of the group g_idx names.
// Fused as in matvec.cu: NORM (the staged input rows RMSNorm'ed, inv::stage_rows), SILU ((gate, up) rows 2i, 2i + 1 on
// warps 2i, 2i + 1: y = silu(gate) * up of the rounded outputs), then bias and the residual add, both unrounded.
#include "gptq.cuh"
#include "kv.cuh"
#include "layout.cuh"
#include "rows.cuh"

#define NORM 1
#define SILU 2
#define WARPS 8

namespace {

__device__ __forceinline__ float round_bf16(float v) { return inv::bf16_to_f32(inv::f32_to_bf16(v)); }

// Dense weights of type T (bf16 bits or f32), rows `stride` values apart in layout.cuh's order.
template <typename T> struct Dense {
    static constexpr int GS = 16 / sizeof(T);
    const T* w;
    int stride;

    __device__ Dense(const void* q, const float2*, const int*, const int*, int stride_, int, int)
        : w(static_cast<const T*>(q)), stride(stride_) {}
    __device__ inv::RowLayout layout(int k) const { return inv::row_layout(k, sizeof(T)); }
    // The GS weights of lane p's load in group g (W = 32 whenever a row has whole groups).
    __device__ void group(int row, int g, int lane, float* v) const {
        inv::unpack<T>(__ldg(reinterpret_cast<const uint4*>(w + (long long)row * stride) + g * 32 + lane), v);
    }
    __device__ float at(int row, long long slot, int) const { return inv::widen<T>(w[(long long)row * stride + slot]); }
};

// GPTQ weights kept packed (BITS 8 or 4): rows `stride` bytes apart, slot j the raw q (int4: a nibble, low first),
// (s, nz) per row and group in tab, the group of input index i in gidx (the row's part of it: rowPart, or part 0).
template <int BITS> struct Gptq {
    static constexpr int GS = 128 / BITS;
    const unsigned char* q;
    const float2* tab;
    const int* gidx;
    const int* rowPart;
    int stride, groups, k;

    __device__ Gptq(const void* q_, const float2* tab_, const int* gidx_, const int* rowPart_, int stride_, int groups_,
                    int k_)
        : q(static_cast<const unsigned char*>(q_)), tab(tab_), gidx(gidx_), rowPart(rowPart_), stride(stride_),
          groups(groups_), k(k_) {}
    __device__ inv::RowLayout layout(int k_) const {
        inv::RowLayout l = inv::row_layout(k_, 1);
        l.gs = GS;
        l.groups = l.chunks / GS;
        l.rest = l.chunks - l.groups * GS;
        return l;
    }
    // The contract's dequantisation at input index i of a row, given qo = (float) (q - o) (gptq.cuh).
    __device__ float dequant(int row, float qo, int i) const {
        const int part = rowPart ? __ldg(rowPart + row) : 0;
        const float2 st = __ldg(tab + (long long)row * groups + __ldg(gidx + (long long)part * k + i));
        return fmaf(qo, st.x, st.y);
    }
    __device__ void group(int row, int g, int lane, float* v) const {
        const uint4 u = __ldg(reinterpret_cast<const uint4*>(q + (long long)row * stride) + g * 32 + lane);
#pragma unroll
        for (int j = 0; j < GS; j++) {
            const float qo = BITS == 8 ? inv::q8f(u, j) : (float)((inv::word(u, j >> 3) >> (4 * (j & 7))) & 0xFu);
            v[j] = dequant(row, qo, (g * GS + j) * 32 + lane);
        }
    }
    __device__ float at(int row, long long slot, int i) const {
        return dequant(row, inv::qf_at<BITS>(q + (long long)row * stride, (int)slot), i);
    }
};

// One block: WARPS rows (a row per warp), TG tokens, piece blockIdx.z of gridDim.z.
template <class Wt, int TG, int FLAGS>
__device__ __forceinline__ void naive_impl(const Wt wt, const float* x, const int* xrows, const float* nw, float eps,
                                           float* y, const float* bias, const float* resid, float* ws, int rows, int k,
                                           int ldx, int ldy, int n) {
    constexpr int GS = Wt::GS;
    extern __shared__ float4 xs4[];
    float* xs = reinterpret_cast<float*>(xs4);  // TG input rows of xst floats, in stored order
    __shared__ float invs[TG];
    __shared__ float out[WARPS][TG];
    const inv::RowLayout l = wt.layout(k);
    const int xst = (k + 3) & ~3;
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int row = blockIdx.x * WARPS + warp;
    const int rr = min(row, rows - 1);  // past the end: reread the last, write nothing
    const int t0 = blockIdx.y * TG;
    const int pieces = gridDim.z, piece = blockIdx.z;
    const int c0 = piece * l.chunks / pieces, c1 = (piece + 1) * l.chunks / pieces;
    const int whole = min(c1, l.groups * GS);  // chunks in whole 16-byte loads end here

    inv::stage_rows<TG, (FLAGS & NORM) != 0>(xs, invs, x, xrows, ldx, k, xst, t0, n, nw, eps);

    float acc[TG];
#pragma unroll
    for (int t = 0; t < TG; t++) acc[t] = 0.0f;
    if (lane < l.w) {
        for (int g = c0 / GS; g * GS < whole; g++) {
            float v[GS];
            wt.group(rr, g, lane, v);
#pragma unroll
            for (int j = 0; j < GS; j++) {
                const int m = g * GS + j;
                if (m < c0 || m >= whole) continue;
                const int i = m * l.w + lane;
#pragma unroll
                for (int t = 0; t < TG; t++) acc[t] = fmaf(xs[t * xst + i], v[j], acc[t]);
            }
        }
        for (int m = max(c0, l.groups * GS); m < c1; m++) {  // chunks after the whole loads, read one by one
            const int i = m * l.w + lane;
            const float v = wt.at(rr, inv::row_slot(l, i), i);
#pragma unroll
            for (int t = 0; t < TG; t++) acc[t] = fmaf(xs[t * xst + i], v, acc[t]);
        }
        const int i = l.chunks * l.w + lane;  // the k % W tail, in the last piece
        if (piece == pieces - 1 && i < k) {
            const float v = wt.at(rr, inv::row_slot(l, i), i);
#pragma unroll
            for (int t = 0; t < TG; t++) acc[t] = fmaf(xs[t * xst + i], v, acc[t]);
        }
    }
#pragma unroll
    for (int t = 0; t < TG; t++) {
#pragma unroll
        for (int s = 16; s >= 1; s >>= 1) acc[t] = acc[t] + __shfl_xor_sync(0xffffffffu, acc[t], s);
        acc[t] = round_bf16(acc[t]);
    }
    if (pieces > 1) {
        if (lane == 0 && row < rows) {
#pragma unroll
            for (int t = 0; t < TG; t++) {
                if (t0 + t < n) ws[((long long)piece * n + t0 + t) * rows + row] = acc[t];
            }
        }
        return;
    }
    // one piece: the output is 0 + piece, rounded (as naive_merge computes it)
    if (FLAGS & SILU) {
        if (lane == 0) {
#pragma unroll
            for (int t = 0; t < TG; t++) out[warp][t] = round_bf16(0.0f + acc[t]);
        }
        __syncthreads();
        if ((warp & 1) == 0 && lane < TG && row < rows && t0 + lane < n) {
            y[(long long)(t0 + lane) * ldy + (row >> 1)] = inv::silu_canon(out[warp][lane]) * out[warp + 1][lane];
        }
    } else if (lane == 0 && row < rows) {
#pragma unroll
        for (int t = 0; t < TG; t++) {
            if (t0 + t >= n) continue;
            float o = round_bf16(0.0f + acc[t]);
            if (bias) o = o + bias[row];
            const long long yo = (long long)(t0 + t) * ldy + row;
            if (resid) o = resid[yo] + o;
            y[yo] = o;
        }
    }
}

// Row r's output for token t from the workspace: its S piece sums added in increasing order from 0, rounded.
__device__ __forceinline__ float merged(const float* ws, int pieces, int n, int rows, int t, int r) {
    float total = 0.0f;
    for (int p = 0; p < pieces; p++) total = total + ws[((long long)p * n + t) * rows + r];
    return round_bf16(total);
}

}  // namespace

// The second pass when S > 1: a thread per (token, output); silu != 0: outputs are (gate, up) row pairs.
INV_EXTERN void naive_merge(const float* ws, int pieces, float* y, const float* bias, const float* resid, int rows,
                            int n, int ldy, int silu) {
    const int units = silu ? rows >> 1 : rows;
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (long long)n * units) return;
    const int t = (int)(idx / units), u = (int)(idx % units);
    const long long yo = (long long)t * ldy + u;
    if (silu) {
        y[yo] = inv::silu_canon(merged(ws, pieces, n, rows, t, 2 * u)) * merged(ws, pieces, n, rows, t, 2 * u + 1);
        return;
    }
    float o = merged(ws, pieces, n, rows, t, u);
    if (bias) o = o + bias[u];
    if (resid) o = resid[yo] + o;
    y[yo] = o;
}

// Named matvec_naive_<weights>[_norm[_silu]]_t<tokens per block>, one argument list for every weight kind (dense
// ones ignore tab, gidx, rowPart and groups; stride counts values for dense rows, bytes for GPTQ ones).
#define NAIVE(name, WT, TG, FLAGS)                                                                                   \
    INV_EXTERN void __launch_bounds__(32 * WARPS)                                                                     \
        name(const void* W, const float2* tab, const int* gidx, const int* rowPart, int stride, int groups,          \
             const float* x, const int* xrows, const float* nw, float eps, float* y, const float* bias,              \
             const float* resid, float* ws, int rows, int k, int ldx, int ldy, int n) {                              \
        naive_impl<WT, TG, FLAGS>(WT(W, tab, gidx, rowPart, stride, groups, k), x, xrows, nw, eps, y, bias, resid,   \
                                  ws, rows, k, ldx, ldy, n);                                                         \
    }

#define NAIVE_FUSED(base, WT, TG)                     \
    NAIVE(base##_t##TG, WT, TG, 0)                    \
    NAIVE(base##_norm_t##TG, WT, TG, NORM)            \
    NAIVE(base##_norm_silu_t##TG, WT, TG, NORM | SILU)

#define NAIVE_ALL(TG)                                              \
    NAIVE_FUSED(matvec_naive_bf16, Dense<unsigned short>, TG)      \
    NAIVE_FUSED(matvec_naive_f32, Dense<float>, TG)                \
    NAIVE_FUSED(matvec_naive_gptq_int8, Gptq<8>, TG)               \
    NAIVE_FUSED(matvec_naive_gptq_int4, Gptq<4>, TG)

NAIVE_ALL(1)
NAIVE_ALL(4)
