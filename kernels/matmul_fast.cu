// The fast profile's projections on the tensor cores, in the canonical order of fast.cuh (docs/numerics.md §12.1):
// the step's staged inputs (fast_layout.cu's fast_stage) times the weights in the fragment layout, one fp32
// accumulator per output over k in increasing chunks of 16, then bias, residual or silu(gate) * up. Every tile
// shape below gives each output the same bits; which one runs is the engine's choice by the step's size.
#include "fast.cuh"

namespace fast {

template <bool STREAMED> __device__ __forceinline__ uint4 ld_weights(const uint4* p) {
    uint4 v;
    if (STREAMED) {
        asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                     : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w) : "l"(p));
    } else {
        v = __ldg(p);
    }
    return v;
}

// A block is WR x WT warps; a warp holds NT row tiles of 8 (8 * NT rows) x MT token tiles of 16 and walks k, U pairs
// of 32 per step (all their loads issued before the step's first mma), straight from global memory into registers.
template <int MT, int NT, int WR, int WT, int U, bool PIPE, bool SILU>
__device__ __forceinline__ void mma_impl(const uint4* W, const uint4* A, float* y, const float* bias, const float* resid,
                                         int rows, int k, int ldy, int n) {
    constexpr bool STREAMED = WT == 1;  // no other warp of the block reads these weights
    const int kpairs = (k + 31) >> 5;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rb, tb;
    block_tile(rows, n, 8 * NT * WR, 16 * MT * WT, rb, tb);
    const int rt0 = (rb * WR + warp % WR) * NT;                // first row tile (of 8) of this warp
    const int mt0 = (tb * WT + warp / WR) * MT;                // first token tile (of 16)
    const int rtN = (rows + 7) >> 3;
    bool rowOk[NT], loOk[MT], hiOk[MT];
#pragma unroll
    for (int j = 0; j < NT; j++) rowOk[j] = rt0 + j < rtN;
#pragma unroll
    for (int m = 0; m < MT; m++) {  // a lane loads only its own tokens' rows: a decode step's few tokens, few loads
        loOk[m] = 16 * (mt0 + m) + (lane >> 2) < n;
        hiOk[m] = 16 * (mt0 + m) + 8 + (lane >> 2) < n;
    }
    float acc[MT][NT][4];
    clear(acc);
    const uint4* wp = W + (long long)rt0 * kpairs * 32 + lane;
    const uint4* ap = A + (long long)mt0 * kpairs * 64 + lane;
    // The weights of U pairs of 32 from kp0 (zeros past the matrix), then the staged inputs (zeros past n), then the
    // mmas in increasing k. PIPE: the next step's loads are issued before this step's mmas.
    struct Frags { uint4 bw[U][NT], alo[U][MT], ahi[U][MT]; };
    auto load_w = [&](Frags& f, int kp0) {
#pragma unroll
        for (int u = 0; u < U; u++)
#pragma unroll
            for (int j = 0; j < NT; j++)
                f.bw[u][j] = rowOk[j] && kp0 + u < kpairs ? ld_weights<STREAMED>(wp + ((long long)j * kpairs + kp0 + u) * 32)
                                                          : make_uint4(0, 0, 0, 0);
    };
    auto load_a = [&](Frags& f, int kp0) {
#pragma unroll
        for (int u = 0; u < U; u++)
#pragma unroll
            for (int m = 0; m < MT; m++) {
                const bool kin = kp0 + u < kpairs;
                const uint4* p = ap + (((long long)m * kpairs + kp0 + u) * 2) * 32;
                f.alo[u][m] = kin && loOk[m] ? __ldg(p) : make_uint4(0, 0, 0, 0);
                f.ahi[u][m] = kin && hiOk[m] ? __ldg(p + 32) : make_uint4(0, 0, 0, 0);
            }
    };
    auto compute = [&](const Frags& f) {
#pragma unroll
        for (int u = 0; u < U; u++) mma_pair(acc, f.alo[u], f.ahi[u], f.bw[u]);
    };
    Frags cur;
    load_w(cur, 0);
    inv::await_inputs();  // the first weights are on their way: now the inputs the kernel before this one staged
    load_a(cur, 0);
    for (int kp0 = 0; kp0 < kpairs; kp0 += U) {
        if (PIPE) {
            Frags next;
            if (kp0 + U < kpairs) {
                load_w(next, kp0 + U);
                load_a(next, kp0 + U);
            }
            compute(cur);
            cur = next;
        } else {
            if (kp0 > 0) {
                load_w(cur, kp0);
                load_a(cur, kp0);
            }
            compute(cur);
        }
    }
    inv::release_next();
    store<MT, NT, SILU>(acc, mt0, rt0, lane, y, bias, resid, rows, ldy, n);
}


__device__ __forceinline__ void cp16(void* dst, const void* src, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src),
                 "r"(valid ? 16 : 0));  // src-size 0: the 16 bytes are zeros
}

// The same warp tiles with the block's weights and staged inputs brought into shared memory by cp.async, STAGES pairs
// of 32 deep, each read from there by the warps that share it (16-byte reads, a warp's 512 contiguous bytes).
template <int MT, int NT, int WR, int WT, int STAGES, bool SILU>
__device__ __forceinline__ void mma_smem_impl(const uint4* W, const uint4* A, float* y, const float* bias,
                                              const float* resid, int rows, int k, int ldy, int n) {
    constexpr int RT = NT * WR, TT = MT * WT, THREADS = 32 * WR * WT;  // row tiles of 8, token tiles of 16 per block
    constexpr int CHUNKS = (RT + 2 * TT) * 32;                          // 16-byte copies per pair of 32
    __shared__ uint4 sm[STAGES][RT + 2 * TT][32];                       // [stage][row tiles, then token tiles x halves][lane]
    const int kpairs = (k + 31) >> 5;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    int rb, tb;
    block_tile(rows, n, 8 * RT, 16 * TT, rb, tb);
    const int rtN = (rows + 7) >> 3;
    const int wr = warp % WR, wt = warp / WR;
    float acc[MT][NT][4];
    clear(acc);
    inv::await_inputs();
    auto issue = [&](int kp) {
        const int slot = kp % STAGES;
#pragma unroll
        for (int c = threadIdx.x; c < CHUNKS; c += THREADS) {
            const int unit = c >> 5, l = c & 31;
            if (unit < RT) {
                const int rt = rb * RT + unit;
                cp16(&sm[slot][unit][l], W + ((long long)min(rt, rtN - 1) * kpairs + kp) * 32 + l, rt < rtN);
            } else {
                const int u = unit - RT, mt = tb * TT + (u >> 1), half = u & 1;
                const bool ok = 16 * mt + 8 * half + (l >> 2) < n;
                cp16(&sm[slot][unit][l], A + (((long long)(ok ? mt : 0) * kpairs + kp) * 2 + half) * 32 + l, ok);
            }
        }
    };
#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < kpairs) issue(s);
        asm volatile("cp.async.commit_group;" ::: "memory");
    }
    for (int kp = 0; kp < kpairs; kp++) {
        asm volatile("cp.async.wait_group %0;" ::"n"(STAGES - 2) : "memory");
        __syncthreads();  // pair kp has landed for every thread; every warp is done with the slot refilled next
        if (kp + STAGES - 1 < kpairs) issue(kp + STAGES - 1);
        asm volatile("cp.async.commit_group;" ::: "memory");
        const int slot = kp % STAGES;
        uint4 bw[NT], alo[MT], ahi[MT];
#pragma unroll
        for (int j = 0; j < NT; j++) bw[j] = sm[slot][wr * NT + j][lane];
#pragma unroll
        for (int m = 0; m < MT; m++) {
            alo[m] = sm[slot][RT + 2 * (wt * MT + m)][lane];
            ahi[m] = sm[slot][RT + 2 * (wt * MT + m) + 1][lane];
        }
        mma_pair(acc, alo, ahi, bw);
    }
    inv::release_next();
    store<MT, NT, SILU>(acc, (tb * WT + wt) * MT, (rb * WR + wr) * NT, lane, y, bias, resid, rows, ldy, n);
}

}  // namespace fast

#define FAST_MMA(name, MT, NT, WR, WT, U, PIPE, SILU)                                                            \
    INV_EXTERN void __launch_bounds__(32 * WR * WT) name(const uint4* W, const uint4* A, float* y, const float* bias, \
                                                         const float* resid, int rows, int k, int ldy, int n) {       \
        fast::mma_impl<MT, NT, WR, WT, U, PIPE, SILU>(W, A, y, bias, resid, rows, k, ldy, n);                          \
    }
// Named fast_mma_<rows>x<tokens>[_silu] per block; a 1-D grid of ceil(rows / R) * ceil(n / T) blocks of 32 * WR * WT
// threads, no dynamic shared memory.
#define FAST_MMA_BOTH(shape, MT, NT, WR, WT, U, PIPE)              \
    FAST_MMA(fast_mma_##shape, MT, NT, WR, WT, U, PIPE, false)     \
    FAST_MMA(fast_mma_##shape##_silu, MT, NT, WR, WT, U, PIPE, true)

FAST_MMA_BOTH(32x16, 1, 1, 4, 1, 8, false)   // decode: a warp per 8 rows, 8 pairs of 32 (4 KB of weights) in flight
FAST_MMA_BOTH(8x64, 1, 1, 1, 4, 8, false)    // small batches of few rows: 4 warps share each weight load through L1
FAST_MMA_BOTH(32x64, 2, 2, 2, 2, 2, false)   // batches of 16-64 tokens
FAST_MMA_BOTH(64x128, 4, 4, 2, 2, 1, false)  // prefill

#define FAST_SMEM(name, MT, NT, WR, WT, STAGES, SILU)                                                            \
    INV_EXTERN void __launch_bounds__(32 * WR * WT) name(const uint4* W, const uint4* A, float* y, const float* bias, \
                                                         const float* resid, int rows, int k, int ldy, int n) {       \
        fast::mma_smem_impl<MT, NT, WR, WT, STAGES, SILU>(W, A, y, bias, resid, rows, k, ldy, n);                      \
    }
// fast_smem_<rows>x<tokens>[_silu]: the same, through shared memory (static, at most 48 KB); the same grid.
FAST_SMEM(fast_smem_128x128, 4, 4, 4, 2, 3, false)
FAST_SMEM(fast_smem_128x128_silu, 4, 4, 4, 2, 3, true)
