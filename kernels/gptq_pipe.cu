// One token's GPTQ int8/int4 projections with groups of 128 inputs and k a multiple of 32 (the decode step at batch 1):
// gptq_decode.cu's mapping with each 16-byte word of a row and its (s, nz) entries piped through a shared-memory ring
// by cp.async instead of a register ring, so that a warp keeps D words per row in flight without holding them in
// registers, and no per-unit table buffers are needed.
// Canonical order: W = 32 partials, P[i mod 32] = fmaf(x[i], w[i], P[i mod 32]) in increasing i, then the halving tree
// s = 16, ..., 1 (lane q adding lane q + s).
// Dequantisation, per weight: w = (q - z) * s exactly (numerics.md §14), as gptq_decode.cu: fmaf((float) (q - o), s,
// nz) with (float) (q - o) made under an exponent word; or (DZ, int8) the subnormal form of gptq.cuh: the byte moved
// to bits 0..7 of a zero word (one PRMT) and w' = fmaf(F, S, N) from the row's entries in (S, N) form (tabz, made once
// from the (s, nz) table: the same exact values, scaled by 2^(DZ_A - 149)) against the input row staged scaled by
// 2^(149 - DZ_A): three instructions per weight, every product x' * w' the exact x * w. An input beyond DZ's range
// (never in a model's) makes the block drain its ring and start again without it.
// Mapping: a persistent grid (one block per multiprocessor, NW warps); each warp owns a contiguous run of units of R
// rows, fixed by the row count and the grid alone (SILU's (gate, up) pairs 2i, 2i+1 in one unit: R even there). A
// unit's items are its rows' words g = 0 .. G-1 (lane p's next GS = 128 / bits values of each row, GptqRows' order)
// then, where k / 32 is not a multiple of GS, their rest; each item comes into one of the warp's D slots (R rows x
// (a word and its groups' entries)) as one cp.async group, D items ahead, the first D requested before the kernel waits
// for its inputs (chain.cuh). The input row is staged once per block in lane-major order (gptq_xp.cuh). Who computes
// a row and when it is read never change a value.
// Fused steps as gptq_decode.cu: NORM (RMSNorm of the staged input row), SILU (silu(gate) * up), bias (one rounded
// add), resid (the residual add, last).
// CPU twins: backend/cpu/GptqMatMul.rows (numerics/GptqMatrix, Dot, PartialTree), numerics/RmsNorm.apply,
// FloatMath.silu.
// Shared memory (dynamic): gpipe::smem_bytes.
#include "chain.cuh"
#include "gptq_xp.cuh"

#define GPIPE_NORM 1
#define GPIPE_SILU 2

namespace gpipe {

// A slot's row: the word (512 bytes), then its NE = 32 / bits groups' entries (8 bytes each); the rest item puts the
// rows' rest (4 * rest * bits <= 496 bytes) and its entries in the same places.
__host__ __device__ __forceinline__ int slot_row(int bits) { return 512 + 8 * (32 / bits); }
__host__ __device__ __forceinline__ int xp_bytes(int k, bool norm) { return 4 * (((k / 32 + 3) & ~3) * 32) * (norm ? 2 : 1); }
__host__ __device__ __forceinline__ int smem_bytes(int bits, int k, bool norm, int R, int NW, int D) {
    return xp_bytes(k, norm) + NW * D * R * slot_row(bits);
}

template <int BITS, int R, int FLAGS, int NW, int D, bool DZ>
__device__ __forceinline__ void gpipe_impl(const unsigned char* Wq, const float2* tab, const float2* tabz,
                                           const float* x, const int* xrows, const float* nw, float eps, float* y,
                                           const float* bias, const float* resid, int rows, int k, int stride,
                                           int groups, int ldx) {
    constexpr int GS = 128 / BITS, NE = GS / 4, SB = 512 + 8 * NE;  // values and groups per word, a slot row's bytes
    constexpr bool NORMED = (FLAGS & GPIPE_NORM) != 0;
    static_assert(!DZ || BITS == 8, "DZ: int8 only (int4 needs four scales per group)");
    extern __shared__ float4 sm4[];
    __shared__ float invs;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int chunks = k >> 5, G = chunks / GS, rest = chunks - G * GS, IU = G + (rest > 0 ? 1 : 0);
    float* xp = reinterpret_cast<float*>(sm4);
    float* nwp = xp + xp_bytes(k, false) / 4;
    unsigned char* ring = reinterpret_cast<unsigned char*>(sm4) + xp_bytes(k, NORMED) + warp * D * R * SB;

    const int units = (rows + R - 1) / R;
    const long long gw = (long long)blockIdx.x * NW + warp, tw = (long long)gridDim.x * NW;
    const int u0 = (int)(gw * units / tw), u1 = (int)((gw + 1) * units / tw);
    const int total = (u1 - u0) * IU;

    // the load front: unit lu, item lg, issued items li; per row, the lane's bytes of the unit's row and its entries
    // in the table tb they come from
    int lu, lg, li;
    const float2* tb;
    const unsigned char* qr[R];
    const float2* tr[R];
    auto point = [&]() {
#pragma unroll
        for (int r = 0; r < R; r++) {
            const long long row = min(lu * R + r, rows - 1);
            qr[r] = Wq + row * stride + lane * 16;
            tr[r] = tb + row * groups + lane;
        }
    };
    auto start = [&](const float2* t) {
        lu = u0;
        lg = 0;
        li = 0;
        tb = t;
        point();
    };
    auto issue = [&]() {
        if (li < total) {
            unsigned char* dst = ring + (li % D) * R * SB + lane * 16;
            const bool word = lg < G;  // else the rest: 4 * rest * bits bytes, then the entries of its groups
            const bool bytes = word || lane * 16 < 4 * rest * BITS, entry = lane < (word ? NE : groups - G * NE);
#pragma unroll
            for (int r = 0; r < R; r++) {
                if (bytes) gdecode::cp_async16(dst + r * SB, qr[r] + lg * 512);
                if (entry) gdecode::cp_async8(dst + r * SB + 512 - lane * 8, tr[r] + lg * NE);
            }
            li++;
            if (++lg == IU) {
                lg = 0;
                lu++;
                point();
            }
        }
        gdecode::cp_commit();  // one group per call, empty past the warp's items
    };

    start(DZ ? tabz : tab);
#pragma unroll
    for (int d = 0; d < D; d++) issue();
    // the weights are on their way; what the kernels before this one write is read only from here on (chain.cuh)
    inv::await_inputs();
    inv::release_next();
    bool dz = gdecode::stage_xp<NORMED, DZ>(xp, nwp, invs, x, xrows, ldx, k, nw, eps, warp, lane);
    if (DZ && !dz) {  // an input beyond DZ's range: the ring drained and requested again from the (s, nz) table
        gdecode::stage_xp<NORMED, false>(xp, nwp, invs, x, xrows, ldx, k, nw, eps, warp, lane);
        gdecode::cp_wait<0>();
        __syncwarp();
        start(tab);
#pragma unroll
        for (int d = 0; d < D; d++) issue();
    }

    unsigned ek[4];
#pragma unroll
    for (int n = 0; n < 4; n++) ek[n] = inv::q_exp[n];
    float acc[R];
#pragma unroll
    for (int r = 0; r < R; r++) acc[r] = 0.0f;
    int cu = u0, cg = 0;  // the compute front
    for (int i = 0; i < total; i++) {
        gdecode::cp_wait<D - 1>();
        __syncwarp();
        const unsigned char* slot = ring + (i % D) * R * SB;
        if (cg < G) {
            uint4 q[R];
            float2 t[R][NE];
#pragma unroll
            for (int r = 0; r < R; r++) {
                q[r] = *reinterpret_cast<const uint4*>(slot + r * SB + lane * 16);
#pragma unroll
                for (int e = 0; e < NE; e += 2) {
                    const float4 v = *reinterpret_cast<const float4*>(slot + r * SB + 512 + e * 8);
                    t[r][e] = make_float2(v.x, v.y);
                    t[r][e + 1] = make_float2(v.z, v.w);
                }
            }
            const float4* xw = reinterpret_cast<const float4*>(xp) + cg * (GS / 4) * 32 + lane;
            if (DZ && dz) {
                float4 s4[R][NE];
                float n4[R][NE];
                inv::word_dot_dz<BITS, R, NE>(xw, q, t, s4, n4, acc);
            } else {
                inv::word_dot<BITS, R, 4>(xw, q, t, ek, acc);
            }
        } else {  // the rest: still increasing per partial
            for (int j = 0; j < rest; j++) {
                const int c = G * GS + j;
                const float xv = xp[gdecode::xp_at(c, lane)];
#pragma unroll
                for (int r = 0; r < R; r++) {
                    const float2 e = *reinterpret_cast<const float2*>(slot + r * SB + 512 + ((c >> 2) - G * NE) * 8);
                    const float q = DZ && dz ? __uint_as_float(slot[r * SB + lane * rest + j])
                                             : inv::qf_at<BITS>(slot + r * SB, lane * rest + j);
                    acc[r] = fmaf(xv, fmaf(q, e.x, e.y), acc[r]);
                }
            }
        }
        __syncwarp();  // every lane is done with the slot: it takes item i + D
        issue();
        if (++cg == IU) {  // the unit's last item: the tree, the fused steps
            cg = 0;
            inv::tree_unit<R>(acc, 32);
            const int row0 = cu * R;
            if (lane == 0) {
                inv::store_unit<R, (FLAGS & GPIPE_SILU) != 0>(
                    y, acc, row0, rows, bias, [&](int r) { return __ldg(bias + row0 + r); }, resid,
                    [&](int r) { return resid[row0 + r]; });
            }
#pragma unroll
            for (int r = 0; r < R; r++) acc[r] = 0.0f;
            cu++;
        }
    }
    gdecode::cp_wait<0>();
}

}  // namespace gpipe

// The engine's shape: rows per unit, warps per block, items in flight per warp (int8, int4). int8 takes DZ (the
// (S, N) table as tabz), int4 the biased dequantisation (tabz unused).
#ifndef GPIPE_R
#define GPIPE_R 2
#endif
#ifndef GPIPE_WARPS
#define GPIPE_WARPS 32
#endif
#ifndef GPIPE8_D
#define GPIPE8_D 4
#endif
#ifndef GPIPE4_D
#define GPIPE4_D 4
#endif

// Named gptq_pipe_int<bits>_g128[_norm[_silu]]; gptq_decode.cu's arguments (gidx, rowPart and gsz unused: groups of
// 128 only), then tabz.
#define GPIPE(name, BITS, FLAGS, D, DZ)                                                                                \
    INV_EXTERN void __launch_bounds__(32 * GPIPE_WARPS, 1)                                                           \
        name(const unsigned char* Wq, const float2* tab, const int* gidx, const int* rowPart, int gsz, const float* x, \
             const int* xrows, const float* nw, float eps, float* y, const float* bias, const float* resid, int rows,  \
             int k, int stride, int groups, int ldx, const float2* tabz) {                                             \
        gpipe::gpipe_impl<BITS, ((FLAGS) & GPIPE_SILU) && GPIPE_R < 2 ? 2 : GPIPE_R, FLAGS, GPIPE_WARPS, D, DZ>(       \
            Wq, tab, tabz, x, xrows, nw, eps, y, bias, resid, rows, k, stride, groups, ldx);                          \
    }
#define GPIPE_FUSED(base, BITS, D, DZ)                      \
    GPIPE(base, BITS, 0, D, DZ)                             \
    GPIPE(base##_norm, BITS, GPIPE_NORM, D, DZ)             \
    GPIPE(base##_norm_silu, BITS, GPIPE_NORM | GPIPE_SILU, D, DZ)

GPIPE_FUSED(gptq_pipe_int8_g128, 8, GPIPE8_D, true)
GPIPE_FUSED(gptq_pipe_int4_g128, 4, GPIPE4_D, false)
