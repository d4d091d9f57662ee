// One token's GPTQ int8/int4 projections with groups of 128 inputs and k a multiple of 32 (the decode step at batch 1),
// with the packed rows streamed through shared memory by the bulk copy engine: gptq_decode.cu's values and order on
// matvec_stream.cu's ring, so that each multiprocessor has its ring's bytes requested before the kernel waits for the
// one before it, and the dequantisation in three instructions per weight (gptq.cuh, DZ).
// Canonical order: W = 32 partials, P[i mod 32] = fmaf(x[i], w[i], P[i mod 32]) in increasing i, then the halving tree
// s = 16, ..., 1 (lane q adding lane q + s).
// Dequantisation, per weight: w = (q - z) * s exactly (numerics.md §14). DZ: q masked or moved in place in a zero word
// (one PRMT for int8, one LOP3 for int4) is q * 2^(p - 149) exactly; w' = fmaf(F, S, N) = w * 2^(DZ_A - 149) exactly
// with S = s * 2^(DZ_A - p), N = -z * s * 2^(DZ_A - 149), made from the row's (s, nz) entries once per segment; the
// input row is staged scaled by 2^(149 - DZ_A) (exact), so every product x' * w' is the exact x * w and every fma of
// the dot gives the CPU's bits. Exact for scales in binary16's range and |x| < 2^(DZ_A - 21) (gptq.cuh). Without DZ:
// gptq_decode.cu's dequantisation (fmaf((float) (q - o), s, nz)).
// Mapping: a persistent grid (one block per multiprocessor, NW warps); each warp owns a contiguous run of units of R
// rows, fixed by the row count and the grid alone (SILU's (gate, up) pairs 2i, 2i+1 in one unit: R even there). Rows
// are in GptqRows' order (layout.cuh): lane p's next GS = 128 / bits values of a row are one 16-byte word. A unit
// arrives as segments of SEGG words per row (the rows' rest in the last), each row's bytes and the slice of its (s, nz)
// table the segment uses copied by cp.async.bulk into the warp's own ring of NSLOT slots (stream.cuh), the first
// NSLOT requested before the kernel waits for its inputs (chain.cuh). The input row is staged once per block in
// lane-major order (gptq_xp.cuh). Who computes a row and when it is read never change a value.
// Fused steps as gptq_decode.cu: NORM (RMSNorm of the staged input row), SILU (silu(gate) * up), bias (one rounded
// add), resid (the residual add, last).
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
// Shared memory (dynamic): gring::smem_bytes. The table must be readable up to 16 bytes past its end (its slices are
// copied in aligned 16-byte units).
#include "chain.cuh"
#include "gptq_xp.cuh"
#include "stream.cuh"

#define GRING_NORM 1
#define GRING_SILU 2

namespace gring {

// One row's part of a slot, in bytes: its segment (SEGG words, or the last one with the row's rest), its table slice
// as copied (entries widened to even bounds), then the slice made for DZ at an aligned start: int8 (S, N) per entry,
// int4 four S per entry then N per entry.
struct Slot { int seg, tabn, tz, rowb, bytes; };
__host__ __device__ __forceinline__ Slot slot_shape(int bits, int R, int segg, int k, int stride, int groups, bool dz) {
    const int gs = 128 / bits, ne = gs / 4, G = (k / 32) / gs;
    const int nseg = (G + segg - 1) / segg;
    const int last = stride - (nseg - 1) * segg * 512;
    Slot s;
    s.seg = last > segg * 512 ? last : segg * 512;
    const int lastE = groups - (nseg - 1) * segg * ne;
    const int maxE = lastE > segg * ne ? lastE : segg * ne;
    s.tabn = (maxE + 3) & ~1;
    s.tz = s.seg + 8 * s.tabn;
    s.rowb = s.tz + (dz ? (bits == 8 ? 8 : 20) * s.tabn : 0);
    s.rowb = (s.rowb + 15) & ~15;
    s.bytes = R * s.rowb;
    return s;
}
// The input row in lane-major order (twice with the norm's weights), then the warps' rings.
__host__ __device__ __forceinline__ int xp_bytes(int k, bool norm) { return 4 * (((k / 32 + 3) & ~3) * 32) * (norm ? 2 : 1); }
__host__ __device__ __forceinline__ int smem_bytes(int bits, int k, int stride, int groups, bool norm, int R, int NW,
                                                   int NSLOT, int SEGG, bool dz) {
    return xp_bytes(k, norm) + NW * NSLOT * slot_shape(bits, R, SEGG, k, stride, groups, dz).bytes;
}

template <int BITS, int R, int FLAGS, int NW, int NSLOT, int SEGG, bool DZ>
__device__ __forceinline__ void gring_impl(const unsigned char* Wq, const float2* tab, const float* x, const int* xrows,
                                           const float* nw, float eps, float* y, const float* bias, const float* resid,
                                           int rows, int k, int stride, int groups, int ldx) {
    constexpr int GS = 128 / BITS, NE = GS / 4;  // values and groups per word
    constexpr bool NORMED = (FLAGS & GRING_NORM) != 0, IS_SILU = (FLAGS & GRING_SILU) != 0;
    extern __shared__ float4 sm4[];
    __shared__ unsigned long long full[NW][NSLOT];
    __shared__ float invs;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int chunks = k >> 5, G = chunks / GS, rest = chunks - G * GS;
    const int nseg = (G + SEGG - 1) / SEGG;
    const Slot sl = slot_shape(BITS, R, SEGG, k, stride, groups, DZ);
    float* xp = reinterpret_cast<float*>(sm4);
    unsigned char* myRing = reinterpret_cast<unsigned char*>(sm4) + xp_bytes(k, NORMED) + warp * NSLOT * sl.bytes;

    const int units = (rows + R - 1) / R;
    const long long gw = (long long)blockIdx.x * NW + warp, tw = (long long)gridDim.x * NW;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int items = (u1 - u0) * nseg;
    // segment s: bytes [lo, hi) of each row, table entries [e0, e1)
    auto range = [&](int s, int& lo, int& hi, int& e0, int& e1) {
        lo = s * SEGG * 512;
        hi = s == nseg - 1 ? stride : lo + SEGG * 512;
        e0 = s * SEGG * NE;
        e1 = s == nseg - 1 ? groups : e0 + SEGG * NE;
    };
    auto issue = [&](int it) {
        const int unit = u0 + it / nseg, s = it - (it / nseg) * nseg;
        int lo, hi, e0, e1;
        range(s, lo, hi, e0, e1);
        const int nr = min(R, rows - unit * R);  // the last unit may be short
        unsigned char* dst = myRing + (it % NSLOT) * sl.bytes;
        unsigned long long* bar = &full[warp][it % NSLOT];
        unsigned total = 0;
        for (int r = 0; r < nr; r++) {
            const long long t = ((long long)unit * R + r) * groups;
            total += (unsigned)(hi - lo) + (unsigned)(((t + e1 + 1) & ~1LL) - ((t + e0) & ~1LL)) * 8;
        }
        inv::mbar_expect(bar, total);
        for (int r = 0; r < nr; r++) {
            const long long t = ((long long)unit * R + r) * groups, a = (t + e0) & ~1LL, b = (t + e1 + 1) & ~1LL;
            inv::bulk_copy(dst + r * sl.rowb, Wq + ((long long)unit * R + r) * stride + lo, (unsigned)(hi - lo), bar);
            inv::bulk_copy(dst + r * sl.rowb + sl.seg, tab + a, (unsigned)(b - a) * 8, bar);
        }
    };
    if (lane == 0) {
        inv::ring_init(full[warp], NSLOT);
        for (int it = 0; it < NSLOT && it < items; it++) issue(it);
    }
    // the weights are on their way; what the kernels before this one write is read only from here on (chain.cuh)
    inv::await_inputs();
    inv::release_next();
    float* nwp = xp + xp_bytes(k, false) / 4;
    bool dz = gdecode::stage_xp<NORMED, DZ>(xp, nwp, invs, x, xrows, ldx, k, nw, eps, warp, lane);
    // an input too large for DZ (never in a model's range, gptq.cuh): the row staged again, dequantised without it
    if (DZ && !dz) gdecode::stage_xp<NORMED, false>(xp, nwp, invs, x, xrows, ldx, k, nw, eps, warp, lane);

    unsigned ek[4];
#pragma unroll
    for (int n = 0; n < 4; n++) ek[n] = inv::q_exp[n];
    float acc[R], rb[R], rr[R];  // lane 0: the rows' bias and residual, requested with a unit's first segment
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    for (int it = 0; it < items; it++) {
        const int slot = it % NSLOT;
        const int unit = u0 + it / nseg, s = it - (it / nseg) * nseg;
        const int row0 = unit * R;
        if (s == 0 && lane == 0 && !IS_SILU) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const int row = min(row0 + r, rows - 1);
                rb[r] = bias ? __ldg(bias + row) : 0.0f;
                rr[r] = resid ? resid[row] : 0.0f;
            }
        }
        int lo, hi, e0, e1;
        range(s, lo, hi, e0, e1);
        inv::mbar_wait(&full[warp][slot], (unsigned)(it / NSLOT) & 1u);
        unsigned char* sb = myRing + slot * sl.bytes;
        // entry e (e0 <= e < e1) of row r as copied: raw[r][e]; DZ's: tz8[r][e] (int8), s4[r][e], n4[r][e] (int4)
        const float2* raw[R];
        float2* tz8[R];
        float4* s4[R];
        float* n4[R];
#pragma unroll
        for (int r = 0; r < R; r++) {
            const long long t = ((long long)row0 + r) * groups + e0;
            raw[r] = reinterpret_cast<const float2*>(sb + r * sl.rowb + sl.seg) + (t & 1) - e0;
            tz8[r] = reinterpret_cast<float2*>(sb + r * sl.rowb + sl.tz) - e0;
            s4[r] = reinterpret_cast<float4*>(sb + r * sl.rowb + sl.tz) - e0;
            n4[r] = reinterpret_cast<float*>(sb + r * sl.rowb + sl.tz + 16 * sl.tabn) - e0;
        }
        if (DZ && dz) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                for (int e = e0 + lane; e < e1; e += 32) {
                    const float2 v = raw[r][e];
                    if constexpr (BITS == 8) {
                        tz8[r][e] = inv::dz_entry8(v);
                    } else {
                        s4[r][e] = inv::dz_scales4(v);
                        n4[r][e] = inv::dz_n4(v);
                    }
                }
            }
            __syncwarp();
        }
        const int g0 = s * SEGG, g1 = min(G, g0 + SEGG);
#pragma unroll
        for (int u = 0; u < SEGG; u++) {
            const int g = g0 + u;
            if (g < g1) {
                uint4 q[R];
                float2 t[R][NE];
#pragma unroll
                for (int r = 0; r < R; r++) q[r] = *reinterpret_cast<const uint4*>(sb + r * sl.rowb + u * 512 + lane * 16);
                const float4* xw = reinterpret_cast<const float4*>(xp) + g * (GS / 4) * 32 + lane;
                if (DZ && dz) {  // the word's entries start at an aligned index (u * NE)
                    float4 sv[R][NE];
                    float nv[R][NE];
#pragma unroll
                    for (int r = 0; r < R; r++) {
#pragma unroll
                        for (int e = 0; e < NE; e += 2) {
                            if constexpr (BITS == 8) {
                                const float4 v = *reinterpret_cast<const float4*>(tz8[r] + g * NE + e);
                                t[r][e] = make_float2(v.x, v.y);
                                t[r][e + 1] = make_float2(v.z, v.w);
                            } else {
                                sv[r][e] = s4[r][g * NE + e];
                                sv[r][e + 1] = s4[r][g * NE + e + 1];
                                if (e % 4 == 0) {
                                    const float4 v = *reinterpret_cast<const float4*>(n4[r] + g * NE + e);
                                    nv[r][e] = v.x;
                                    nv[r][e + 1] = v.y;
                                    nv[r][e + 2] = v.z;
                                    nv[r][e + 3] = v.w;
                                }
                            }
                        }
                    }
                    inv::word_dot_dz<BITS, R, NE>(xw, q, t, sv, nv, acc);
                } else {
#pragma unroll
                    for (int r = 0; r < R; r++) {
#pragma unroll
                        for (int e = 0; e < NE; e++) t[r][e] = raw[r][g * NE + e];
                    }
                    inv::word_dot<BITS, R, 4>(xw, q, t, ek, acc);
                }
            }
        }
        const bool last = s == nseg - 1;
        if (last) {  // the chunks after the last whole word: still increasing per partial
            for (int j = 0; j < rest; j++) {
                const int c = G * GS + j, e = c >> 2;
                const float xv = xp[gdecode::xp_at(c, lane)];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const unsigned char* rw = sb + r * sl.rowb + (g1 - g0) * 512;
                    float w;
                    if (DZ && dz) {
                        const int v = lane * rest + j;
                        const unsigned b = BITS == 8 ? rw[v] : (rw[v >> 1] >> (4 * (v & 1))) & 0xFu;
                        w = BITS == 8 ? fmaf(__uint_as_float(b), tz8[r][e].x, tz8[r][e].y)
                                      : fmaf(__uint_as_float(b), s4[r][e].x, n4[r][e]);
                    } else {
                        w = fmaf(inv::qf_at<BITS>(rw, lane * rest + j), raw[r][e].x, raw[r][e].y);
                    }
                    acc[r] = fmaf(xv, w, acc[r]);
                }
            }
        }
        inv::slot_done(lane, it, NSLOT, items, issue);  // every lane has read the slot: it may be refilled
        if (last) {
            inv::tree_unit<R>(acc, 32);
            if (lane == 0) {
                inv::store_unit<R, IS_SILU>(y, acc, row0, rows, bias, [&](int r) { return rb[r]; }, resid,
                                         [&](int r) { return rr[r]; });
            }
#pragma unroll
            for (int r = 0; r < R; r++) acc[r] = 0.0f;
        }
    }
}

}  // namespace gring

// The engine's shape: rows per unit (SILU: at least 2, with the words per segment scaled to keep the slot's bytes),
// warps per block, slots per warp, words per row per segment (int8, int4); DZ on (the row staged again without it
// where an input is beyond its range).
#ifndef GRING_R
#define GRING_R 1
#endif
#ifndef GRING_WARPS
#define GRING_WARPS 8
#endif
#ifndef GRING_SLOTS
#define GRING_SLOTS 3
#endif
#ifndef GRING8_SEGG
#define GRING8_SEGG 12
#endif
#ifndef GRING4_SEGG
#define GRING4_SEGG 8
#endif

#define GRING_ROWS(FLAGS) (((FLAGS) & GRING_SILU) && GRING_R < 2 ? 2 : GRING_R)
#define GRING_SEGS(FLAGS, SEGG) ((SEGG) * GRING_R / GRING_ROWS(FLAGS) > 0 ? (SEGG) * GRING_R / GRING_ROWS(FLAGS) : 1)
// Named gptq_ring_int<bits>_g128[_norm[_silu]]; the arguments of gptq_decode.cu's kernels (gidx, rowPart and gsz
// unused: groups of 128 only).
#define GRING(name, BITS, FLAGS, SEGG)                                                                                 \
    INV_EXTERN void __launch_bounds__(32 * GRING_WARPS, 1)                                                             \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,  \
             int k, int stride, int groups, int ldx) {                                                                 \
        gring::gring_impl<BITS, GRING_ROWS(FLAGS), FLAGS, GRING_WARPS, GRING_SLOTS, GRING_SEGS(FLAGS, SEGG), true>(     \
            Wq, tab, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);                                 \
    }
#define GRING_FUSED(base, BITS, SEGG)                  \
    GRING(base, BITS, 0, SEGG)                         \
    GRING(base##_norm, BITS, GRING_NORM, SEGG)         \
    GRING(base##_norm_silu, BITS, GRING_NORM | GRING_SILU, SEGG)

GRING_FUSED(gptq_ring_int8_g128, 8, GRING8_SEGG)
GRING_FUSED(gptq_ring_int4_g128, 4, GRING4_SEGG)
