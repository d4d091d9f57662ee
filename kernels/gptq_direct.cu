// One token's GPTQ int8/int4 projections with chunk-aligned groups (the decode step at batch 1), the packed rows read
// straight into registers: gptq_stream.cu's values, order and fusions without its shared-memory ring. The engine's
// int8 group-128 kernel where gptq_decode.cu (faster) does not take the rows or they do not fit its shared memory
// (e.g. k 27,648: Qwen2.5-32B's down projection), 2 rows x 20 warps, 2 words in flight (the GDIRECT_* defines). Its
// int4 is built by the benchmark only: slower than gptq_stream.cu and gptq_decode.cu in every measured shape.
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1 (lane q adding lane q + s).
// Dequantisation, per weight, the CPU's one operation: w = fmaf((float) (q - o), s, nz), o = 128 (int8) or 0 (int4),
// (s, nz) the row's group entry of the host's table (GptqRows); (float) (q - o) made exactly under an exponent word
// held in a register (one PRMT for int8, one LOP3 for int4), minus that power of two (gptq.cuh, numerics.md §14).
// Mapping: a persistent grid (BPS blocks per multiprocessor, NW warps each); each warp owns a contiguous run of units of
// R rows, fixed by the row count and the grid alone (SILU's (gate, up) pairs 2i, 2i+1 in one unit: R even there).
// Rows are in GptqRows' order (layout.cuh, GS = 128 / bits values per 16-byte word): lane p's next GS values of a row
// are one 16-byte word, read by ld.global.nc into a register ring D words deep (per row) together with the word's
// (s, nz) entries, the ring running on across the warp's units, so D * R words per lane (and TD * R words' entries) are in flight while the
// oldest is computed. The input row is staged once per block and copied into a lane-major order (xp: chunk c's value
// of lane p at (c / 4) * 128 + 4p + c % 4) so one 16-byte shared load gives a lane four chunks' x. The rows' rest and
// tail (after the last whole word) are read one value at a time from global memory (prefetched to L2 when the ring
// reaches the unit). Who computes a row and when it is read never change a value.
// Fused steps as gptq_matvec.cu: NORM (RMSNorm of the staged input row), SILU (silu(gate) * up), bias (one rounded
// add), resid (the residual add, last). A dependent launch (chain.cuh): the first words are requested before the
// kernel waits for the one before it.
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
// Shared memory (dynamic), floats: the input row xst = k rounded up to 4 (twice that with NORM: its weights), then xp
// (32 * GS * whole words of a row).
#include "chain.cuh"
#include "gptq.cuh"
#include "stream.cuh"

#define GDIRECT_NORM 1
#define GDIRECT_SILU 2
// The engine's shape: rows per unit, warps per block, words in flight per row, items whose (s, nz) entries are in
// flight, blocks per multiprocessor. Measured on the H200 (bench/device/kernels/gptq.cu, Qwen1.5-14B layers, the four
// projections chained, µs per layer; copy 3,966 GB/s): int8 group 128 at 2 rows x 20 warps, 2 words / 1 entry in flight
// 147.20 (roofline 84.45; qkv 36.17, o 15.38, gate/up 62.74, down 33.41), against 160.56 for gptq_stream.cu and 181.44
// at 2 x 16 warps, 3 / 1: the engine's int8 group-128 default. 20 warps make 2,640 on 132 multiprocessors, so the
// 5,120-row projections (o, down) take one round of 2-row units. int4 at this shape 144.19 (best 142.70 at 2 x 16,
// 4 / 2) against gptq_stream.cu's 135.93 (gptq_decode.cu 108.48, 2026-12-02 16:48): no int4 kernel for the engine.
#ifndef GDIRECT_R
#define GDIRECT_R 2
#endif
#ifndef GDIRECT_WARPS
#define GDIRECT_WARPS 20
#endif
#ifndef GDIRECT_D
#define GDIRECT_D 2
#endif
#ifndef GDIRECT_TD
#define GDIRECT_TD 1
#endif
#ifndef GDIRECT4_D  // int4: a word holds twice the values (and 20 warps leave fewer registers), so one in flight
#define GDIRECT4_D 1
#endif
#ifndef GDIRECT4_TD
#define GDIRECT4_TD 1
#endif
#ifndef GDIRECT_BPS
#define GDIRECT_BPS 1
#endif

namespace gdirect {

// Dynamic shared memory in bytes for a projection of width k.
__host__ __device__ __forceinline__ int smem_bytes(int bits, int k, bool norm) {
    int w = 1;
    while (w < k && w < 32) w <<= 1;
    const int gs = 128 / bits, words = k / w / gs;
    return 4 * (((k + 3) & ~3) * (norm ? 2 : 1) + (w == 32 ? 32 * gs * words : 0));
}

// GQ: group size 32 * GQ (GQ divides GS: each word's entries are whole). T16: a word's (s, nz) entries read two per
// 16-byte load where they are 16-byte aligned (fewer load instructions; the same values).
template <int BITS, int R, int FLAGS, int GQ, int NW, int D, int TD, bool T16 = false>
__device__ __forceinline__ void gdirect_impl(const unsigned char* Wq, const float2* tab, int gsz, const float* x,
                                             const int* xrows, const float* nw, float eps, float* y, const float* bias,
                                             const float* resid, int rows, int k, int stride, int groups, int ldx) {
    constexpr int GS = 128 / BITS, NE = GS / GQ;
    static_assert(GS % GQ == 0, "a word's groups must be whole");
    static_assert(TD >= 1 && TD <= D && D % TD == 0, "the entries' ring divides the words' ring");
    static_assert(!T16 || NE % 2 == 0, "entries in pairs");
    extern __shared__ float4 sm4[];
    __shared__ float invs;
    float* xs = reinterpret_cast<float*>(sm4);
    const int xst = (k + 3) & ~3;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int w = inv::dot_width(k);
    const int chunks = k / w;
    const int G = w == 32 ? chunks / GS : 0;  // whole words per row (a lane's 16 bytes each); none for k < 32
    const int rest = chunks - G * GS;         // chunks after them, read one by one with the tail
    float4* xp = reinterpret_cast<float4*>(xs + xst * ((FLAGS & GDIRECT_NORM) ? 2 : 1));
    const int NI = G > 0 ? G : 1;  // ring items per unit

    const long long units = (rows + R - 1) / R;
    const long long gw = (long long)blockIdx.x * NW + warp, tw = (long long)gridDim.x * NW;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int total = (u1 - u0) * NI;

    // the load fronts: words (unit lu, word lg) D items ahead, their (s, nz) entries (unit tu, word tg) TD ahead
    int lu = u0, lg = 0, tu = u0, tg = 0;
    uint4 qb[D][R];
    float2 tbuf[TD][R][NE];
    auto load = [&](uint4 (&q)[R]) {
        if (lu < u1) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const long long row = min(lu * R + r, rows - 1);  // the last unit may be short
                const unsigned char* rp = Wq + row * stride;
                if (G > 0) q[r] = inv::ld_word(rp + lg * 512 + lane * 16);
                if (lg == 0) {  // the unit's rest and tail, and its table, on their way to L2
                    if (rest > 0) inv::prefetch_l2(rp + G * 512 + (lane * rest * BITS) / 8);
                    if (lane * 128 < groups * 8) inv::prefetch_l2(reinterpret_cast<const char*>(tab + row * groups) + lane * 128);
                }
            }
            if (++lg == NI) {
                lg = 0;
                lu++;
            }
        }
    };
    auto loadt = [&](float2 (&t)[R][NE]) {
        if (tu < u1) {
            if (G > 0) {
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const long long row = min(tu * R + r, rows - 1);
                    const float2* te = tab + row * groups + tg * NE;
                    if (T16 && (reinterpret_cast<unsigned long long>(te) & 15) == 0) {  // two entries per load
#pragma unroll
                        for (int e = 0; e < NE; e += 2) {
                            const float4 v = __ldg(reinterpret_cast<const float4*>(te + e));
                            t[r][e] = make_float2(v.x, v.y);
                            t[r][e + 1] = make_float2(v.z, v.w);
                        }
                    } else {
#pragma unroll
                        for (int e = 0; e < NE; e++) t[r][e] = __ldg(te + e);
                    }
                }
            }
            if (++tg == NI) {
                tg = 0;
                tu++;
            }
        }
    };
#pragma unroll
    for (int d = 0; d < D; d++) load(qb[d]);
#pragma unroll
    for (int d = 0; d < TD; d++) loadt(tbuf[d]);
    // the weights are on their way; what the kernels before this one write is read only from here on (chain.cuh)
    inv::await_inputs();
    inv::release_next();
    inv::stage_one<(FLAGS & GDIRECT_NORM) != 0>(xs, invs, x, xrows, ldx, k, nw, eps, warp, lane);
    // xp: the whole words' x in lane-major order (stage_one ended with a barrier)
    for (int i = threadIdx.x; i < G * GS * 32; i += blockDim.x) {
        const int c = i >> 5, p = i & 31;
        reinterpret_cast<float*>(xp)[(c >> 2) * 128 + p * 4 + (c & 3)] = xs[i];
    }
    __syncthreads();

    unsigned ek[4];
#pragma unroll
    for (int n = 0; n < 4; n++) ek[n] = inv::q_exp[n];
    const bool on = lane < w;
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    int cu = u0, cg = 0;  // the compute front
    for (int base = 0; base < total; base += D) {
#pragma unroll
        for (int d = 0; d < D; d++) {
            if (base + d < total) {
                uint4 q[R];
                float2 t[R][NE];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    q[r] = qb[d][r];
#pragma unroll
                    for (int e = 0; e < NE; e++) t[r][e] = tbuf[d % TD][r][e];
                }
                load(qb[d]);  // item base + d + D into the slot just emptied
                loadt(tbuf[d % TD]);  // and entries of item base + d + TD
                if (G > 0) inv::word_dot<BITS, R>(xp + cg * (GS / 4) * 32 + lane, q, inv::Biased<BITS, R, GQ, NE>{t, ek}, acc);
                if (++cg == NI) {  // the unit's last word: its rest and tail, the tree, the fused steps
                    cg = 0;
                    const int row0 = cu * R;
                    if (on) {
                        for (int j = 0; j <= rest; j++) {
                            const int i = j < rest ? (G * GS + j) * w + lane : chunks * w + lane;
                            if (i >= k) break;
                            const int at = j < rest ? G * w * GS + lane * rest + j : chunks * w + lane;
#pragma unroll
                            for (int r = 0; r < R; r++) {
                                const long long row = min(row0 + r, rows - 1);
                                const float2 e = __ldg(tab + row * groups + i / (32 * GQ));
                                acc[r] = fmaf(xs[i], fmaf(inv::qf_at<BITS>(Wq + row * stride, at), e.x, e.y), acc[r]);
                            }
                        }
                    }
                    inv::tree_unit<R>(acc, w);
                    if (lane == 0) {
                        inv::store_unit<R, (FLAGS & GDIRECT_SILU) != 0>(
                            y, acc, row0, rows, bias, [&](int r) { return __ldg(bias + row0 + r); }, resid,
                            [&](int r) { return resid[row0 + r]; });
                    }
#pragma unroll
                    for (int r = 0; r < R; r++) acc[r] = 0.0f;
                    cu++;
                }
            }
        }
    }
}

}  // namespace gdirect

// Named gptq_direct_int<bits>_g128[_norm[_silu]] at the GDIRECT_* shape; the arguments of gptq_stream.cu's kernels
// (gidx and rowPart unused: chunk-aligned groups only).
#define GDIRECT(name, BITS, FLAGS, D, TD)                                                                                   \
    INV_EXTERN void __launch_bounds__(32 * GDIRECT_WARPS, GDIRECT_BPS)                                                 \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,  \
             int k, int stride, int groups, int ldx) {                                                                 \
        gdirect::gdirect_impl<BITS, ((FLAGS) & GDIRECT_SILU) && GDIRECT_R < 2 ? 2 : GDIRECT_R, FLAGS, 4,               \
                              GDIRECT_WARPS, D, TD>(Wq, tab, gsz, x, xrows, nw, eps, y, bias, resid, rows, k,      \
                                                        stride, groups, ldx);                                          \
    }
#define GDIRECT_FUSED(base, BITS, D, TD)                        \
    GDIRECT(base, BITS, 0, D, TD)                               \
    GDIRECT(base##_norm, BITS, GDIRECT_NORM, D, TD)             \
    GDIRECT(base##_norm_silu, BITS, GDIRECT_NORM | GDIRECT_SILU, D, TD)

GDIRECT_FUSED(gptq_direct_int8_g128, 8, GDIRECT_D, GDIRECT_TD)
