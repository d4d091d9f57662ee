// One token's GPTQ int8/int4 projections with groups of 128 inputs and k a multiple of 32 (the decode step at batch 1),
// with as few instructions per weight as the dequantisation allows: gptq_direct.cu's values, order and fusions, with
// the per-word bookkeeping moved out of the inner loop.
// Canonical order: W = 32 partials, P[i mod 32] = fmaf(x[i], w[i], P[i mod 32]) in increasing i, then the halving tree
// s = 16, ..., 1 (lane q adding lane q + s).
// Dequantisation, per weight, the CPU's one operation: w = fmaf((float) (q - o), s, nz), o = 128 (int8) or 0 (int4),
// (s, nz) the row's group entry of the host's table (GptqRows); (float) (q - o) made exactly under an exponent word
// held in a register (one PRMT for int8, one LOP3 for int4), minus that power of two (gptq.cuh, numerics.md §14). So
// a weight costs four instructions (PRMT or LOP3, FADD, FFMA, FFMA) and a 16-byte word's x four shared loads.
// Mapping: a persistent grid (one block per multiprocessor, NW warps); each warp owns a contiguous run of units of R
// rows, fixed by the row count and the grid alone (SILU's (gate, up) pairs 2i, 2i+1 in one unit: R even there).
// Rows are in GptqRows' order (layout.cuh): lane p's next GS = 128 / bits values of a row are one 16-byte word, read by
// ld.global.nc into a register ring D words deep per row that runs on across the warp's units. What the words need
// besides x is staged per unit into the warp's two shared-memory buffers by cp.async one unit ahead: the rows'
// (s, nz) tables (read back as 16-byte broadcasts) and the rows' rest (the chunks after the last whole word). The
// input row is staged once per block straight into lane-major order (xp: chunk c's value of lane p at
// (c / 4) * 128 + 4p + c % 4), so one 16-byte shared load gives a lane four chunks' x; the RMSNorm's sum of squares
// reads it in the same order as inv::warp_dot. Who computes a row and when it is read never change a value.
// Fused steps as gptq_direct.cu: NORM (RMSNorm of the staged input row), SILU (silu(gate) * up), bias (one rounded
// add), resid (the residual add, last). A dependent launch (chain.cuh): the first words and the first two units'
// tables are requested before the kernel waits for the one before it.
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
// Shared memory (dynamic): gdecode::smem_bytes.
#include "chain.cuh"
#include "gptq_xp.cuh"

#define GDECODE_NORM 1
#define GDECODE_SILU 2
// The engine's shape: rows per unit, warps per block, words in flight per row (int8, int4), words requested into L2
// past the ring (negative: -PF words past the ring once, before the wait). Measured on the H200 (bench/device/kernels/gptq.cu, Qwen1.5-14B layers, the four projections
// chained): 2 rows x 32 warps, 2 / 1 words: int8 128.28 µs per layer (65.7 % of copy; gptq_direct.cu 148.01), int4
// 108.48 (41.1 %); fewer warps with deeper rings were slower (docs/benchmarks.md 2026-12-02 16:48). 30 warps since
// 2026-12-05 (an H100, the same chain): int8 134.78 against 137.55 µs, int4 93.60 against 95.79: a projection's
// units of two rows spread more evenly over 132 x 30 warps than over 132 x 32; the engine on the H200 1.017x (int8)
// and 1.021x (int4) at 14B batch 1.
#ifndef GDECODE_R
#define GDECODE_R 2
#endif
#ifndef GDECODE_WARPS
#define GDECODE_WARPS 30
#endif
#ifndef GDECODE_D
#define GDECODE_D 2
#endif
#ifndef GDECODE4_D
#define GDECODE4_D 1
#endif
#ifndef GDECODE_PF
#define GDECODE_PF 0
#endif

namespace gdecode {

// The parts of the dynamic shared memory, in bytes: xp (and NORM's weights in the same order), then each warp's two
// table buffers (R rows of `groups` entries, padded to an even count: 16-byte aligned rows), then each warp's two
// rest buffers (R rows of 4 * rest * bits bytes, a multiple of 16); dz4 (int4 in the subnormal form): then each warp's
// current unit's (S_0 .. S_3) and N per group (R rows of gpad4 = groups padded to 4 each).
struct Parts { int xpn, gpad, restb, tab, rest, dz, gpad4, total; };
__host__ __device__ __forceinline__ Parts parts(int bits, int k, int groups, bool norm, int R, int NW, bool dz4 = false) {
    Parts s;
    const int chunks = k / 32, gs = 128 / bits, rest = chunks - chunks / gs * gs;
    s.xpn = ((chunks + 3) & ~3) * 32;
    s.gpad = (groups + 1) & ~1;
    s.restb = 4 * rest * bits;
    s.tab = 4 * s.xpn * (norm ? 2 : 1);
    s.rest = s.tab + NW * 2 * R * s.gpad * 8;
    s.dz = s.rest + NW * 2 * R * s.restb;
    s.gpad4 = (groups + 3) & ~3;
    s.total = s.dz + (dz4 ? NW * R * s.gpad4 * 20 : 0);
    return s;
}
__host__ __device__ __forceinline__ int smem_bytes(int bits, int k, int groups, bool norm, int R, int NW, bool dz4 = false) {
    return parts(bits, k, groups, norm, R, NW, dz4).total;
}

template <int BITS, int R, int FLAGS, int NW, int D, int PF = 0, bool DZ = false>
__device__ __forceinline__ void gdecode_impl(const unsigned char* Wq, const float2* tab, const float* x,
                                             const int* xrows, const float* nw, float eps, float* y, const float* bias,
                                             const float* resid, int rows, int k, int stride, int groups, int ldx) {
    constexpr int GS = 128 / BITS, NE = GS / 4;  // values and groups per word
    constexpr bool NORMED = (FLAGS & GDECODE_NORM) != 0;
    extern __shared__ float4 sm4[];
    __shared__ float invs;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int chunks = k >> 5, G = chunks / GS, rest = chunks - G * GS;
    const Parts sp = parts(BITS, k, groups, NORMED, R, NW, DZ && BITS == 4);
    char* smem = reinterpret_cast<char*>(sm4);
    float* xp = reinterpret_cast<float*>(smem);
    float2* tb = reinterpret_cast<float2*>(smem + sp.tab) + warp * 2 * R * sp.gpad;
    unsigned char* rb = reinterpret_cast<unsigned char*>(smem + sp.rest) + warp * 2 * R * sp.restb;
    // DZ int4: the current unit's (S_0 .. S_3) per group, then its N per group
    float4* zs = reinterpret_cast<float4*>(smem + sp.dz) + warp * R * sp.gpad4;
    float* zn = reinterpret_cast<float*>(smem + sp.dz + NW * R * sp.gpad4 * 16) + warp * R * sp.gpad4;

    const int units = (rows + R - 1) / R;
    const long long gw = (long long)blockIdx.x * NW + warp, tw = (long long)gridDim.x * NW;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int total = (u1 - u0) * G;
    auto rowp = [&](int u, int r) { return Wq + (long long)min(u * R + r, rows - 1) * stride; };

    // a front through the warp's words: unit u's rows (the lane's bytes), word g; rem words still ahead of it
    struct Front { int u, g, rem; const unsigned char* row[R]; };
    auto step = [&](Front& f) {
        f.rem--;
        if (++f.g == G) {
            f.g = 0;
            f.u++;
#pragma unroll
            for (int r = 0; r < R; r++) f.row[r] = rowp(f.u, r) + lane * 16;
        }
    };
    Front lf;  // the loads into the register ring
    lf.u = u0;
    lf.g = 0;
    lf.rem = total;
#pragma unroll
    for (int r = 0; r < R; r++) lf.row[r] = rowp(u0, r) + lane * 16;
    // PF > 0: the words PF items past the loads requested into L2 (no register holds them), so that more bytes are on
    // their way than the ring holds. Its front in few registers: unit pu's first row at byte offset po (rows of a unit
    // are consecutive; those past the last row are skipped), word pg, prem words still ahead.
    int pu = u0, pg = 0, prem = total;
    long long po = (long long)u0 * R * stride + lane * 16;
    auto prefetch = [&]() {
        if (PF > 0 && prem > 0) {
#pragma unroll
            for (int r = 0; r < R; r++)
                if (pu * R + r < rows) inv::prefetch_l2(Wq + po + (long long)r * stride + pg * 512);
            prem--;
            if (++pg == G) {
                pg = 0;
                pu++;
                po += (long long)R * stride;
            }
        }
    };
    auto load = [&](uint4 (&q)[R]) {
        if (lf.rem > 0) {
#pragma unroll
            for (int r = 0; r < R; r++) q[r] = inv::ld_word(lf.row[r] + lf.g * 512);
            step(lf);
            prefetch();
        }
    };
    // unit u's tables and rests into buffer b (one commit group per call, empty past the warp's units)
    auto stage_unit = [&](int u, int b) {
        if (u < u1) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                const long long row = min(u * R + r, rows - 1);
                float2* dst = tb + (b * R + r) * sp.gpad;
                for (int g = lane; g < groups; g += 32) cp_async8(dst + g, tab + row * groups + g);
                if (lane * 16 < sp.restb) cp_async16(rb + (b * R + r) * sp.restb + lane * 16, Wq + row * stride + G * 512 + lane * 16);
            }
        }
        cp_commit();
    };

    for (int i = 0; i < PF; i++) prefetch();  // then each load keeps the front PF words ahead
    uint4 qb[D][R];
#pragma unroll
    for (int d = 0; d < D; d++) load(qb[d]);
    // PF < 0: the -PF words past the ring requested into L2 once, before the wait, so that memory stays busy while the
    // kernel waits for the one before it and stages its input row (no register holds them)
    if (PF < 0) {
        Front hf = lf;
        for (int i = 0; i < -PF && hf.rem > 0; i++) {
#pragma unroll
            for (int r = 0; r < R; r++)
                if (hf.u * R + r < rows) inv::prefetch_l2(hf.row[r] + hf.g * 512);
            step(hf);
        }
    }
    stage_unit(u0, 0);
    stage_unit(u0 + 1, 1);
    // the weights are on their way; what the kernels before this one write is read only from here on (chain.cuh)
    inv::await_inputs();
    inv::release_next();
    bool dz = stage_xp<NORMED, DZ>(xp, xp + sp.xpn, invs, x, xrows, ldx, k, nw, eps, warp, lane);
    // an input too large for DZ (never in a model's range, gptq.cuh): the row staged again, dequantised without it
    if (DZ && !dz) stage_xp<NORMED, false>(xp, xp + sp.xpn, invs, x, xrows, ldx, k, nw, eps, warp, lane);

    unsigned ek[4];
#pragma unroll
    for (int n = 0; n < 4; n++) ek[n] = inv::q_exp[n];
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    int cu = u0, cg = 0, cb = 0;  // the compute front: unit, word, buffer
    float2* tcur = tb;
    // DZ: the unit's (s, nz) entries, landed, rewritten in place as (S, N) (int8), or as (S_0 .. S_3) and N into the
    // warp's dz buffer (int4) (gptq.cuh)
    auto to_dz = [&]() {
        if (DZ && dz) {
#pragma unroll
            for (int r = 0; r < R; r++) {
                for (int g = lane; g < groups; g += 32) {
                    const float2 e = tcur[r * sp.gpad + g];
                    if constexpr (BITS == 8) {
                        tcur[r * sp.gpad + g] = inv::dz_entry8(e);
                    } else {
                        zs[r * sp.gpad4 + g] = inv::dz_scales4(e);
                        zn[r * sp.gpad4 + g] = inv::dz_n4(e);
                    }
                }
            }
            __syncwarp();
        }
    };
    cp_wait<1>();
    __syncwarp();
    if (u0 < u1) to_dz();
    for (int base = 0; base < total; base += D) {
#pragma unroll
        for (int d = 0; d < D; d++) {
            if (base + d < total) {
                float2 t[R][NE];
#pragma unroll
                for (int r = 0; r < R; r++) {
#pragma unroll
                    for (int e = 0; e < NE; e += 2) {
                        const float4 v = *reinterpret_cast<const float4*>(tcur + r * sp.gpad + cg * NE + e);
                        t[r][e] = make_float2(v.x, v.y);
                        t[r][e + 1] = make_float2(v.z, v.w);
                    }
                }
                const float4* xw = reinterpret_cast<const float4*>(xp) + cg * (GS / 4) * 32 + lane;
                if (DZ && dz && BITS == 8) inv::word_dot<BITS, R>(xw, qb[d], inv::Subnormal8<R, NE>{t}, acc);
                else if (DZ && dz) inv::word_dot<BITS, R>(xw, qb[d], inv::Subnormal4<R>{zs + cg * NE, zn + cg * NE, sp.gpad4}, acc);
                else inv::word_dot<BITS, R>(xw, qb[d], inv::Biased<BITS, R, 4, NE>{t, ek}, acc);
                load(qb[d]);  // word base + d + D into the slot just used
                if (++cg == G) {  // the unit's last word: its rest, the tree, the fused steps
                    cg = 0;
                    for (int j = 0; j < rest; j++) {
                        const int c = G * GS + j;
                        const float xv = xp[xp_at(c, lane)];
#pragma unroll
                        for (int r = 0; r < R; r++) {
                            float2 e = tcur[r * sp.gpad + (c >> 2)];
                            if (DZ && dz && BITS == 4) e = make_float2(zs[r * sp.gpad4 + (c >> 2)].x, zn[r * sp.gpad4 + (c >> 2)]);
                            const unsigned char* rr = rb + (cb * R + r) * sp.restb;
                            const int at = lane * rest + j;
                            // DZ: the raw q at bit 0 (F of position 0), against (S_0, N)
                            const float q = DZ && dz ? __uint_as_float(BITS == 8 ? rr[at] : (rr[at >> 1] >> (4 * (at & 1))) & 0xFu)
                                               : inv::qf_at<BITS>(rr, at);
                            acc[r] = fmaf(xv, fmaf(q, e.x, e.y), acc[r]);
                        }
                    }
                    inv::tree_unit<R>(acc, 32);
                    const int row0 = cu * R;
                    if (lane == 0) {
                        inv::store_unit<R, (FLAGS & GDECODE_SILU) != 0>(
                            y, acc, row0, rows, bias, [&](int r) { return __ldg(bias + row0 + r); }, resid,
                            [&](int r) { return resid[row0 + r]; });
                    }
#pragma unroll
                    for (int r = 0; r < R; r++) acc[r] = 0.0f;
                    __syncwarp();  // every lane is done with buffer cb: it takes unit cu + 2
                    stage_unit(cu + 2, cb);
                    cu++;
                    cb ^= 1;
                    tcur = tb + cb * R * sp.gpad;
                    cp_wait<1>();
                    __syncwarp();
                    if (cu < u1) to_dz();
                }
            }
        }
    }
    cp_wait<0>();
}

}  // namespace gdecode

// Named gptq_decode_int<bits>_g128[_norm[_silu]] at the GDECODE_* shape (and _w32 at the 32 warps the engine took
// before 2026-12-05, to compare: GptqDecode.WARPS_PROPERTY); the arguments of gptq_stream.cu's kernels (gidx, rowPart
// and gsz unused: groups of 128 only).
#define GDECODE(name, BITS, FLAGS, D, NW)                                                                               \
    INV_EXTERN void __launch_bounds__(32 * (NW), 1)                                                                   \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,  \
             int k, int stride, int groups, int ldx) {                                                                 \
        gdecode::gdecode_impl<BITS, ((FLAGS) & GDECODE_SILU) && GDECODE_R < 2 ? 2 : GDECODE_R, FLAGS, NW, D,          \
                              GDECODE_PF>(                                                                     \
            Wq, tab, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);                                \
    }
#define GDECODE_FUSED(base, BITS, D, NW)                   \
    GDECODE(base, BITS, 0, D, NW)                          \
    GDECODE(base##_norm, BITS, GDECODE_NORM, D, NW)        \
    GDECODE(base##_norm_silu, BITS, GDECODE_NORM | GDECODE_SILU, D, NW)

GDECODE_FUSED(gptq_decode_int8_g128, 8, GDECODE_D, GDECODE_WARPS)
GDECODE_FUSED(gptq_decode_int4_g128, 4, GDECODE4_D, GDECODE_WARPS)
GDECODE_FUSED(gptq_decode_int8_g128_w32, 8, GDECODE_D, 32)
GDECODE_FUSED(gptq_decode_int4_g128_w32, 4, GDECODE4_D, 32)
