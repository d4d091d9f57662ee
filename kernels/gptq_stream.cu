// One token's GPTQ int8/int4 projections (the decode step at batch 1) with the packed rows streamed through shared
// memory by the bulk copy engine: gptq_matvec.cu's values (numerics.md §2, §3, §14) on matvec_stream.cu's ring.
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = W/2, ..., 1 (lane q adding lane q + s), whatever g_idx is.
// Dequantisation, per weight, the CPU's one operation: w = fmaf((float) (q - o), s, nz) with o = 128 (int8) or 0
// (int4) and (s, nz) the row's group entry of the host's table (GptqRows), so w is the exact (q - z) * s. (float)
// (q - o) is made exactly without a conversion: int8 as 2^23 + q in the bits minus 2^23 + 128; int4 nibble n of a
// 16-bit half as 2^(23 - 4n) + q (the nibble masked in place under that exponent: one logic op) minus 2^(23 - 4n).
// Mapping: a persistent grid (one block per multiprocessor); each warp owns a contiguous run of units of R rows (R
// even: SILU's (gate, up) pairs 2i, 2i+1 sit in one unit), fixed by the row count and the grid alone, and computes
// the unit's rows together, so each staged x read serves R weights. Rows are in GptqRows' order (layout.cuh's slots
// counted in values, GS = 128 / bits values per 16-byte load): lane p reads its next GS values of a row as one
// 16-byte word. A unit arrives as segments of SEGG layout groups (the rows' rest and tail in the last), each row's
// bytes and, for chunk-aligned groups, the slice of its (s, nz) table the segment uses, copied by cp.async.bulk into
// the warp's own ring of NSLOT slots (kernels/stream.cuh). Act-order rows read g_idx[i] and (s, nz) per index from
// global memory, as gptq_matvec.cu. Where a row is copied and who computes it never changes a value. A dependent
// launch (chain.cuh): the first copies are under way before the kernel waits for the one before it.
// Fused steps as gptq_matvec.cu: NORM (RMSNorm of the staged input row), SILU (silu(gate) * up), bias (one rounded
// add), resid (the residual add, last).
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
// Shared memory (dynamic): WARPS * SLOTS * R * (segBytes + 8 * tabEntries) (gstream_slot_row below), then the
// input row (4 * k rounded up to 16 bytes; twice that with NORM). The table must be readable up to 16 bytes past its
// end (slices are copied in aligned 16-byte units).
#include "chain.cuh"
#include "gptq.cuh"
#include "stream.cuh"

#define GSTREAM_NORM 1
#define GSTREAM_SILU 2
// Ring shapes, one per family, the fastest bench/device/kernels/gptq.cu measured on the H200 (Qwen1.5-14B layers,
// 2026-12-02, µs per layer for the four projections): warps per block, slots per warp, layout groups (32 lanes x 16
// bytes) per segment, rows per unit, MERGED, KC. Two rows per unit and 10 or 20 warps balance the 5,120-row
// projections over 132 multiprocessors and give each scheduler more warps to hide latency (ncu: 8 warps of 4 rows
// left 41-56 % of cycles with no eligible warp).
//   int8, group 128 and any group: 2x2x10, merged copies (160.5; 186.5 at 4x2x4)
//   int8, act-order: 2x2x2x20w (404.7; gptq_matvec.cu 456.6)
//   int4, every grouping: 2x2x2x20w, exponent words from __constant__ (group 128 136.6, act-order 400.6; 158.9 and
//   465.0 at 4x2x2x16w)
#define GSTREAM8_WARPS 8
#define GSTREAM8_SLOTS 2
#define GSTREAM8_SEGG 10
#define GSTREAM8_R 2
#define GSTREAM8_MERGED true
#define GSTREAM8_KC false
// int8 grouped rows too wide for GSTREAM8's ring (engine-cuda GptqStream.fitting): 4x2x4 with KC (175.1)
#define GSTREAM8W_WARPS 8
#define GSTREAM8W_SLOTS 2
#define GSTREAM8W_SEGG 4
#define GSTREAM8W_R 4
#define GSTREAM8W_MERGED false
#define GSTREAM8W_KC true
#define GSTREAM8A_WARPS 20
#define GSTREAM8A_SLOTS 2
#define GSTREAM8A_SEGG 2
#define GSTREAM8A_R 2
#define GSTREAM8A_MERGED false
#define GSTREAM8A_KC false
#define GSTREAM4_WARPS 20
#define GSTREAM4_SLOTS 2
#define GSTREAM4_SEGG 2
#define GSTREAM4_R 2
#define GSTREAM4_MERGED false
#define GSTREAM4_KC true
// gsz values the kernels take: GQ > 0 fixes 32 * GQ at compile time (the common 128), 0 any multiple of 32 (or one
// group), -1 act-order
#define GQ_ANY 0
#define GQ_ACT -1

namespace gstream {

// Bytes of one row in a slot: the longest segment (whole groups, or the last one with the rest and tail), then room
// for the (s, nz) entries a segment can need plus one at each end for the 16-byte alignment of the copy.
struct SlotRow {
    int seg;   // bytes of a row's segment
    int tabn;  // (s, nz) entries
};
__host__ __device__ __forceinline__ SlotRow gstream_slot_row(int bits, int segg, int k, int stride, int groups, int gsz) {
    const int gs = 128 / bits;
    int w = 1;
    while (w < k && w < 32) w <<= 1;
    const int g = k / w / gs;
    const int nseg = g == 0 ? 1 : (g + segg - 1) / segg;
    const int last = stride - (nseg - 1) * segg * 512;
    SlotRow r;
    r.seg = last > segg * 512 ? last : (nseg == 1 ? last : segg * 512);
    r.tabn = 0;
    if (gsz != 0) {
        const int span = ((segg + 1) * gs * 32 + gsz - 1) / gsz + 1;  // groups a segment's indices can touch
        r.tabn = ((groups < span ? groups : span) + 2 + 1) & ~1;
    }
    return r;
}

// (float) (q - o) of value j (0 .. GS-1) of one 16-byte word, exactly; int4: nibble n of a 16-bit half masked in
// place under the exponent 23 - 4n (one logic op), minus 2^(23 - 4n).
template <int BITS> __device__ __forceinline__ float qf(uint4 u, int j) {
    if constexpr (BITS == 8) {
        return inv::q8f(u, j);
    } else {
        return inv::q4f_word(inv::word(u, j >> 3), j & 7);
    }
}

// KC (on in the shipped int4 kernels): the exponent words under which qf makes (float) (q - o) read from this
// __constant__ table instead of written as immediates. With immediates ptxas puts the exponent into the instruction
// and rebuilds the byte selector (int8) or the nibble mask (int4) in a register for every value (a MOV from a
// uniform register, or a second LOP3); with the exponent in a register each value is one PRMT or one LOP3 with the
// selector or mask as its immediate. The same bits.
__constant__ unsigned gstream_exp[4] = {150u << 23, 146u << 23, 142u << 23, 138u << 23};  // 2^23, 2^19, 2^15, 2^11
template <int BITS> __device__ __forceinline__ float qf_kc(uint4 u, int j, const unsigned (&ek)[4]) {
    if constexpr (BITS == 8) {
        return __uint_as_float(__byte_perm(inv::word(u, j >> 2), ek[0], 0x7540 | (j & 3))) - 8388736.0f;  // 2^23 + 128
    } else {
        const unsigned w = inv::word(u, j >> 3), v = (j & 4) ? w >> 16 : w;
        const int n = j & 3;
        return __uint_as_float((v & (0xFu << (4 * n))) | ek[n]) - __uint_as_float((150u - 4 * n) << 23);
    }
}
template <int BITS, bool KC> __device__ __forceinline__ float qf_sel(uint4 u, int j, const unsigned (&ek)[4]) {
    if constexpr (KC) return qf_kc<BITS>(u, j, ek);
    else return qf<BITS>(u, j);
}

// PF (an experiment of the benchmark, off in every shipped kernel): a segment of SEGG whole int8 loads, group size
// 32 * GQ, with every shared-memory read of load u + 1 (the rows' words, their (s, nz) entries, the lanes' x values)
// issued into registers before load u is computed; the same fmas in the same order per row.
template <int R, int SEGG, int GQ, bool KC>
__device__ __forceinline__ void words_pf(const unsigned char* seg, int rowBytes, const float* xl, int g0,
                                         const float2* const (&tb)[R], float (&acc)[R], int lane,
                                         const unsigned (&ek)[4]) {
    constexpr int GS = 16, NE = GS / GQ;  // values per load, (s, nz) entries per load
    struct Word { uint4 q[R]; float x[GS]; float2 t[R][NE]; };
    auto load = [&](int u, Word& w) {
#pragma unroll
        for (int r = 0; r < R; r++) w.q[r] = *reinterpret_cast<const uint4*>(seg + r * rowBytes + u * 512 + lane * 16);
#pragma unroll
        for (int j = 0; j < GS; j++) w.x[j] = xl[((g0 + u) * GS + j) * 32];
#pragma unroll
        for (int r = 0; r < R; r++) {
#pragma unroll
            for (int e = 0; e < NE; e++) w.t[r][e] = tb[r][(g0 + u) * NE + e];
        }
    };
    Word cur, next;
    load(0, cur);
#pragma unroll
    for (int u = 0; u < SEGG; u++) {
        if (u + 1 < SEGG) load(u + 1, next);
#pragma unroll
        for (int j = 0; j < GS; j++) {
#pragma unroll
            for (int r = 0; r < R; r++)
                acc[r] = fmaf(cur.x[j], fmaf(qf_sel<8, KC>(cur.q[r], j, ek), cur.t[r][j / GQ].x, cur.t[r][j / GQ].y), acc[r]);
        }
        if (u + 1 < SEGG) cur = next;
    }
}

// MERGED (on in the shipped int8 grouped kernels): when a row is one segment, the unit's R rows and their tables are
// contiguous, and come as two copies instead of 2R.
template <int BITS, int R, int FLAGS, int GQ, int NSLOT, int SEGG, int NWARPS, bool MERGED = false, bool PF = false,
          bool KC = false>
__device__ __forceinline__ void gstream_impl(const unsigned char* Wq, const float2* tab, const int* gidx,
                                             const int* rowPart, int gsz, const float* x, const int* xrows,
                                             const float* nw, float eps, float* y, const float* bias,
                                             const float* resid, int rows, int k, int stride, int groups, int ldx) {
    constexpr int GS = 128 / BITS;
    constexpr bool ACT = GQ == GQ_ACT;
    extern __shared__ float4 sm4[];
    __shared__ unsigned long long full[NWARPS][NSLOT];
    __shared__ float invs;
    const SlotRow sr = gstream_slot_row(BITS, SEGG, k, stride, groups, ACT ? 0 : gsz);
    const int rowSlot = sr.seg + 8 * sr.tabn;
    const int slotBytes = R * rowSlot;
    unsigned char* ring = reinterpret_cast<unsigned char*>(sm4);  // [warp][slot][R rows' bytes][R rows' tables]
    float* xs = reinterpret_cast<float*>(ring + NWARPS * NSLOT * slotBytes);
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int w = inv::dot_width(k);
    const int chunks = k / w;
    const int G = chunks / GS;
    const int rest = chunks - G * GS;
    const int nseg = G == 0 ? 1 : (G + SEGG - 1) / SEGG;

    // This warp's units: a contiguous run, fixed by the row count and the grid.
    const long long units = (rows + R - 1) / R;
    const long long gw = (long long)blockIdx.x * NWARPS + warp, tw = (long long)gridDim.x * NWARPS;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int items = (u1 - u0) * nseg;
    unsigned char* myRing = ring + warp * NSLOT * slotBytes;
    // The first (s, nz) entry segment s uses (chunk-aligned groups), and one past its last; 32-bit arithmetic (the
    // indices are below k), a shift for GQ > 0.
    const int gdiv = GQ > 0 ? 32 * GQ : gsz;
    auto entries = [&](int s, int& e0, int& e1) {
        e0 = s * SEGG * GS * 32 / gdiv;
        e1 = s == nseg - 1 ? groups : ((s + 1) * SEGG * GS * 32 + gdiv - 1) / gdiv;
    };
    auto issue = [&](int it) {
        const int unit = u0 + it / nseg, s = it - (it / nseg) * nseg;
        const int lo = s * SEGG * 512, hi = s == nseg - 1 ? stride : lo + SEGG * 512;
        const int nr = min(R, rows - unit * R);  // the last unit may be short
        unsigned char* dst = myRing + (it % NSLOT) * slotBytes;
        unsigned long long* bar = &full[warp][it % NSLOT];
        int e0 = 0, e1 = 0;
        if (!ACT) entries(s, e0, e1);
        // row r's table slice: entries [a, b) of the whole table, widened to whole 16-byte units
        const long long t0 = (long long)unit * R * groups;
        unsigned total = (unsigned)(nr * (hi - lo));
        if (!ACT) {
            for (int r = 0; r < nr; r++) {
                const long long t = t0 + (long long)r * groups;
                total += (unsigned)(((t + e1 + 1) & ~1LL) - ((t + e0) & ~1LL)) * 8;
            }
        }
        if (MERGED && nseg == 1) {
            const long long a = t0 & ~1LL, b = (t0 + (long long)nr * groups + 1) & ~1LL;
            const unsigned tb = ACT ? 0u : (unsigned)(b - a) * 8;
            inv::mbar_expect(bar, (unsigned)(nr * stride) + tb);
            inv::bulk_copy(dst, Wq + (long long)unit * R * stride, (unsigned)(nr * stride), bar);
            if (!ACT) inv::bulk_copy(dst + R * sr.seg, tab + a, tb, bar);
            return;
        }
        inv::mbar_expect(bar, total);
        for (int r = 0; r < nr; r++) {
            inv::bulk_copy(dst + r * sr.seg, Wq + ((long long)unit * R + r) * stride + lo, (unsigned)(hi - lo), bar);
            if (!ACT) {
                const long long t = t0 + (long long)r * groups, a = (t + e0) & ~1LL, b = (t + e1 + 1) & ~1LL;
                inv::bulk_copy(dst + R * sr.seg + r * 8 * sr.tabn, tab + a, (unsigned)(b - a) * 8, bar);
            }
        }
    };
    if (lane == 0) {
        inv::ring_init(full[warp], NSLOT);
        for (int it = 0; it < NSLOT && it < items; it++) issue(it);
    }
    // the weights are on their way; what the kernels before this one write is read only from here on (chain.cuh)
    inv::await_inputs();
    inv::release_next();

    // the input row (and NORM's weights) staged while the weights are on their way
    inv::stage_one<(FLAGS & GSTREAM_NORM) != 0>(xs, invs, x, xrows, ldx, k, nw, eps, warp, lane);

    const float* xl = xs + lane;
    const bool on = lane < w;
    unsigned ek[4] = {0u, 0u, 0u, 0u};  // KC: the exponent words, in registers
    if constexpr (KC) {
#pragma unroll
        for (int n = 0; n < 4; n++) ek[n] = gstream_exp[n];
    }
    float acc[R];
    float rb[R], rr[R];  // lane 0: the rows' bias and residual, requested with a unit's first segment
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    for (int it = 0; it < items; it++) {
        const int slot = it % NSLOT;
        const int unit = u0 + it / nseg, s = it - (it / nseg) * nseg;
        const int row0 = unit * R;
        if (s == 0 && lane == 0 && !(FLAGS & GSTREAM_SILU)) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const int row = min(row0 + r, rows - 1);
                rb[r] = bias ? __ldg(bias + row) : 0.0f;
                rr[r] = resid ? resid[row] : 0.0f;
            }
        }
        int e0 = 0, e1 = 0;
        if (!ACT) entries(s, e0, e1);
        inv::mbar_wait(&full[warp][slot], (unsigned)(it / NSLOT) & 1u);
        const unsigned char* seg = myRing + slot * slotBytes;
        // tb[r][e]: entry e of row r's table, for e0 <= e < e1
        const float2* tb[R];
        const float2* tg[R];  // ACT: the row's table in global memory
        const int* gr[R];     // ACT: the row's g_idx
#pragma unroll
        for (int r = 0; r < R; r++) {
            const long long t = ((long long)row0 + r) * groups + e0;
            tb[r] = MERGED && nseg == 1  // the unit's tables in one run from its first entry's pair
                        ? reinterpret_cast<const float2*>(seg + R * sr.seg) + (t - (((long long)row0 * groups) & ~1LL))
                        : reinterpret_cast<const float2*>(seg + R * sr.seg + r * 8 * sr.tabn) + (t & 1) - e0;
            const int row = min(row0 + r, rows - 1);
            tg[r] = tab + (long long)row * groups;
            gr[r] = gidx + (rowPart ? (long long)rowPart[row] * k : 0LL);
        }
        const int g0 = s * SEGG;
        int g1 = min(G, g0 + SEGG);
        float2 st[R];
        int gcur[R];
#pragma unroll
        for (int r = 0; r < R; r++) gcur[r] = -1;
        int gid = -1, gnext = 0;  // GQ_ANY: the group in use, and the first index of the next
        if (GQ == GQ_ANY) {
            gid = e0 - 1;
            gnext = e0 * gsz;
        }
        if constexpr (PF && BITS == 8 && GQ > 0) {
            if (on && g1 - g0 == SEGG) {
                words_pf<R, SEGG, GQ, KC>(seg, sr.seg, xl, g0, tb, acc, lane, ek);
                g1 = g0;  // done: the loop below has nothing left
            }
        }
        if (on) {
#pragma unroll
            for (int u = 0; u < SEGG; u++) {
                const int gi = g0 + u;
                if (gi < g1) {
                    uint4 q[R];
#pragma unroll
                    for (int r = 0; r < R; r++) q[r] = *reinterpret_cast<const uint4*>(seg + r * sr.seg + u * 512 + lane * 16);
#pragma unroll
                    for (int j = 0; j < GS; j++) {
                        const int c = gi * GS + j;  // the chunk: index c * 32 + lane
                        if constexpr (GQ > 0) {
                            if (j % GQ == 0) {
#pragma unroll
                                for (int r = 0; r < R; r++) st[r] = tb[r][c / GQ];
                            }
                        } else if constexpr (GQ == GQ_ANY) {
                            if (c * 32 >= gnext) {  // the chunk opens a group (the same for every lane)
                                gid++;
                                gnext += gsz;
#pragma unroll
                                for (int r = 0; r < R; r++) st[r] = tb[r][gid];
                            }
                        } else {
#pragma unroll
                            for (int r = 0; r < R; r++) {
                                const int gg = __ldg(gr[r] + c * 32 + lane);
                                if (gg != gcur[r]) { st[r] = __ldg(tg[r] + gg); gcur[r] = gg; }
                            }
                        }
                        const float xv = xl[c * 32];
#pragma unroll
                        for (int r = 0; r < R; r++) acc[r] = fmaf(xv, fmaf(qf_sel<BITS, KC>(q[r], j, ek), st[r].x, st[r].y), acc[r]);
                    }
                }
            }
        }
        const bool last = s == nseg - 1;
        if (last && on) {
            // the chunks after the last whole load, then the last k % W indices: still increasing per partial
            const int base = g0 * w * GS;  // the segment's first value
            for (int j = 0; j <= rest; j++) {
                const int i = j < rest ? (G * GS + j) * w + lane : chunks * w + lane;
                if (i >= k) break;
                const int at = (j < rest ? G * w * GS + lane * rest + j : chunks * w + lane) - base;
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const float2 e = ACT ? __ldg(tg[r] + __ldg(gr[r] + i)) : tb[r][i / gdiv];
                    acc[r] = fmaf(xs[i], fmaf(inv::qf_at<BITS>(seg + r * sr.seg, at), e.x, e.y), acc[r]);
                }
            }
        }
        inv::slot_done(lane, it, NSLOT, items, issue);  // every lane has read the slot: it may be refilled
        if (last) {
            inv::tree_unit<R>(acc, w);
            if (lane == 0) {
                inv::store_unit<R, (FLAGS & GSTREAM_SILU) != 0>(y, acc, row0, rows, bias, [&](int r) { return rb[r]; },
                                                                 resid, [&](int r) { return rr[r]; });
            }
#pragma unroll
            for (int r = 0; r < R; r++) acc[r] = 0.0f;
        }
    }
}

}  // namespace gstream

// FAM: the shape family (GSTREAM<FAM>_*): 8 (int8 grouped), 8W (int8 grouped, wide rows), 8A (int8 act-order), 4 (int4)
#define GSTREAM(name, FAM, BITS, FLAGS, GQ)                                                                           \
    INV_EXTERN void __launch_bounds__(32 * GSTREAM##FAM##_WARPS, 1)                                                    \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,  \
             int k, int stride, int groups, int ldx) {                                                                 \
        gstream::gstream_impl<BITS, GSTREAM##FAM##_R, FLAGS, GQ, GSTREAM##FAM##_SLOTS, GSTREAM##FAM##_SEGG,            \
                              GSTREAM##FAM##_WARPS, GSTREAM##FAM##_MERGED, false, GSTREAM##FAM##_KC>(                  \
            Wq, tab, gidx, rowPart, gsz, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);             \
    }

#define GSTREAM_FUSED(base, FAM, BITS, GQ)                                 \
    GSTREAM(base, FAM, BITS, 0, GQ)                                        \
    GSTREAM(base##_norm, FAM, BITS, GSTREAM_NORM, GQ)                      \
    GSTREAM(base##_norm_silu, FAM, BITS, GSTREAM_NORM | GSTREAM_SILU, GQ)

// Named gptq_stream_int<bits>[_g128|_act][_wide][_norm[_silu]]: _g128 for group size 128, none for any other multiple
// of 32 (or one group), _act for act-order; _wide: GSTREAM8W's shape.
GSTREAM_FUSED(gptq_stream_int8, 8, 8, GQ_ANY)
GSTREAM_FUSED(gptq_stream_int8_g128, 8, 8, 4)
GSTREAM_FUSED(gptq_stream_int8_wide, 8W, 8, GQ_ANY)
GSTREAM_FUSED(gptq_stream_int8_g128_wide, 8W, 8, 4)
GSTREAM_FUSED(gptq_stream_int8_act, 8A, 8, GQ_ACT)
GSTREAM_FUSED(gptq_stream_int4, 4, 4, GQ_ANY)
GSTREAM_FUSED(gptq_stream_int4_g128, 4, 4, 4)
GSTREAM_FUSED(gptq_stream_int4_act, 4, 4, GQ_ACT)
