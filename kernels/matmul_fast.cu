// The fast profile's projections (docs/numerics.md §12, "fast"): y[t][o] = dot(W[o], x'[t]) (+ bias[o]) (+ resid[t][o])
// on the tensor cores, with the fusions of matvec.cu (RMSNorm prologue, silu(gate) * up over interleaved row pairs,
// bias, residual, input rows taken through xrows). Not equal to the CPU; batch-invariant and run-to-run identical.
//
// The canonical order of fast (every kernel here obeys it, whatever its tile shape):
//   - Operands: W[o][k] rounded to bf16 (stored bf16 as is; f32 rounded to nearest even at upload) and x'[t][k]
//     rounded to bf16 (to nearest even) after the fused RMSNorm, which runs in binary32 exactly as in portable
//     (inv = 1 / sqrt(canonical dot(x, x) / K + eps), x' = nw * (x * inv)). Both are padded with zeros from K up to
//     Kp = K rounded up to a multiple of 32.
//   - One binary32 accumulator per output (t, o), starting at +0, fed by
//     mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 over k in chunks of 16 in increasing k, 0 .. Kp - 16,
//     with x' as A (16 tokens) and W as B (8 rows). Never split over k, never combined with another accumulator.
//   - Then bias (one rounded add), the residual (resid + y), or silu(gate) * up (FloatMath.silu, one product).
// An mma computes D[i][j] from row i of A, column j of B and C[i][j] only, in an order fixed by the hardware, so an
// output's bits depend on neither the other tokens in the step, their count n, the tile shape nor the kernel.
//
// Layouts (moves only):
//   W (fast_layout_*, at upload): [row tile of 8][k pair of 32][lane][8 bf16]: lane L's 16 bytes are its B
//     fragments of k tiles 2j and 2j + 1 (row 8 * rt + L / 4, k = 32 * j + 16 * s + 8 * h + 2 * (L % 4) + e at
//     element 4 * s + 2 * h + e), so one warp's load of a 8 x 32 block is 512 contiguous bytes. Rows past `rows`
//     and k past K are zero.
//   x' (fast_stage*, before each projection): [token tile of 16][k pair][half][lane][8 bf16]: half 0 holds A rows
//     (tokens) 0-7, half 1 rows 8-15; lane L's 16 bytes are its A registers of those rows for k tiles 2j and 2j + 1
//     (token 16 * mt + 8 * half + L / 4, k as above). Tokens past n are never written nor read (their rows are zeros).
#include "chain.cuh"
#include "numerics.cuh"

namespace fast {

// binary32 -> bf16, round to nearest even; NaN stays NaN (quiet).
__device__ __forceinline__ unsigned short to_bf16(float f) {
    const unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

__device__ __forceinline__ unsigned pack(unsigned short lo, unsigned short hi) { return (unsigned)lo | ((unsigned)hi << 16); }

// k of element j (0..7) of lane L's 16 bytes in k pair kp.
__device__ __forceinline__ int elem_k(int kp, int L, int j) { return 32 * kp + 16 * (j >> 2) + 8 * ((j >> 1) & 1) + 2 * (L & 3) + (j & 1); }

template <typename T> __device__ __forceinline__ unsigned short weight_bf16(T v);
template <> __device__ __forceinline__ unsigned short weight_bf16<unsigned short>(unsigned short v) { return v; }
template <> __device__ __forceinline__ unsigned short weight_bf16<float>(float v) { return to_bf16(v); }

// Row-major W [rows, k] -> the fast layout (kpairs = ceil(k / 32), ceil(rows / 8) row tiles), padding with zeros.
template <typename T>
__device__ __forceinline__ void layout_impl(const T* W, uint4* out, int rows, int k) {
    const int kpairs = (k + 31) >> 5;
    const long long total = (long long)((rows + 7) >> 3) * kpairs * 32;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total; i += (long long)gridDim.x * blockDim.x) {
        const int L = (int)(i & 31);
        const int kp = (int)((i >> 5) % kpairs);
        const long long rt = (i >> 5) / kpairs;
        const long long row = rt * 8 + (L >> 2);
        unsigned short v[8];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int kk = elem_k(kp, L, j);
            v[j] = row < rows && kk < k ? weight_bf16<T>(W[row * k + kk]) : (unsigned short)0;
        }
        out[i] = make_uint4(pack(v[0], v[1]), pack(v[2], v[3]), pack(v[4], v[5]), pack(v[6], v[7]));
    }
}

// Token t's x' (row xrows[t] of x, or t) into the staged layout; one block per token.
template <bool NORM>
__device__ __forceinline__ void stage_impl(const float* x, const int* xrows, const float* nw, float eps, uint4* a,
                                           int k, int ldx) {
    inv::await_inputs();
    const int t = blockIdx.x;
    const float* xr = x + (long long)(xrows ? xrows[t] : t) * ldx;
    __shared__ float invs;
    if (NORM) {
        if (threadIdx.x < 32) {
            const float ss = inv::warp_dot(xr, xr, k);
            if (threadIdx.x == 0) invs = inv::inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
    }
    const float invr = NORM ? invs : 1.0f;
    const int kpairs = (k + 31) >> 5;
    const int mt = t >> 4, half = (t >> 3) & 1, g = t & 7;
    for (int i = threadIdx.x; i < kpairs * 4; i += blockDim.x) {
        const int kp = i >> 2, q = i & 3, L = 4 * g + q;
        unsigned short v[8];
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int kk = elem_k(kp, L, j);
            float f = 0.0f;
            if (kk < k) f = NORM ? __ldg(nw + kk) * (__ldg(xr + kk) * invr) : __ldg(xr + kk);
            v[j] = to_bf16(f);
        }
        a[(((long long)mt * kpairs + kp) * 2 + half) * 32 + L] =
            make_uint4(pack(v[0], v[1]), pack(v[2], v[3]), pack(v[4], v[5]), pack(v[6], v[7]));
    }
    inv::release_next();
}

__device__ __forceinline__ void mma(float* d, unsigned a0, unsigned a1, unsigned a2, unsigned a3, unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// acc[m][j] += one pair of 32 of k: token tiles m (rows 0-7 in alo[m], 8-15 in ahi[m]) times row tiles j (bw[j]),
// the lower k tile of the pair first.
template <int MT, int NT>
__device__ __forceinline__ void mma_pair(float (&acc)[MT][NT][4], const uint4 (&alo)[MT], const uint4 (&ahi)[MT],
                                         const uint4 (&bw)[NT]) {
#pragma unroll
    for (int m = 0; m < MT; m++)
#pragma unroll
        for (int j = 0; j < NT; j++) {
            mma(acc[m][j], alo[m].x, ahi[m].x, alo[m].y, ahi[m].y, bw[j].x, bw[j].y);
            mma(acc[m][j], alo[m].z, ahi[m].z, alo[m].w, ahi[m].w, bw[j].z, bw[j].w);
        }
}

template <int MT, int NT> __device__ __forceinline__ void clear(float (&acc)[MT][NT][4]) {
#pragma unroll
    for (int m = 0; m < MT; m++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int c = 0; c < 4; c++) acc[m][j][c] = 0.0f;
}

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

// Writes a warp's outputs: D fragment c0, c1 at token lane / 4 of the tile, rows 2 * (lane % 4) + 0, 1; c2, c3 at
// token lane / 4 + 8. Then bias (one add), the residual (resid + y), or silu(gate) * up into y[t][o / 2].
template <int MT, int NT, bool SILU>
__device__ __forceinline__ void store(const float (&acc)[MT][NT][4], int mt0, int rt0, int lane, float* y,
                                      const float* bias, const float* resid, int rows, int ldy, int n) {
#pragma unroll
    for (int m = 0; m < MT; m++)
#pragma unroll
        for (int j = 0; j < NT; j++)
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int t = 16 * (mt0 + m) + 8 * h + (lane >> 2);
                const int o = 8 * (rt0 + j) + 2 * (lane & 3);
                if (t >= n || o >= rows) continue;
                const float g = acc[m][j][2 * h], u = acc[m][j][2 * h + 1];
                if (SILU) {
                    y[(long long)t * ldy + (o >> 1)] = inv::silu_canon(g) * u;
                    continue;
                }
                float v0 = g, v1 = u;
                if (bias) {
                    v0 = v0 + bias[o];
                    if (o + 1 < rows) v1 = v1 + bias[o + 1];
                }
                float* yr = y + (long long)t * ldy;
                if (resid) {
                    const float* rr = resid + (long long)t * ldy;
                    v0 = rr[o] + v0;
                    if (o + 1 < rows) v1 = rr[o + 1] + v1;
                }
                yr[o] = v0;
                if (o + 1 < rows) yr[o + 1] = v1;
            }
}

// The block's tiles: groups of GROUP row tiles run together (row tiles fastest), so that the blocks of other token
// tiles find the same weights in L2.
__device__ __forceinline__ void block_tile(int rows, int n, int rb, int tb, int& r, int& t) {
    constexpr int GROUP = 8;
    const int rowTiles = (rows + rb - 1) / rb, tokTiles = (n + tb - 1) / tb;
    const int b = blockIdx.x, perGroup = GROUP * tokTiles;
    const int first = b / perGroup * GROUP, size = min(rowTiles - first, GROUP), in = b - (b / perGroup) * perGroup;
    r = first + in % size;
    t = in / size;
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

// fast_layout_<dtype>(W row-major [rows, k], out [ceil(rows / 8)][ceil(k / 32)][32][8] bf16, rows, k): any grid.
INV_EXTERN void fast_layout_bf16(const unsigned short* W, uint4* out, int rows, int k) { fast::layout_impl(W, out, rows, k); }
INV_EXTERN void fast_layout_f32(const float* W, uint4* out, int rows, int k) { fast::layout_impl(W, out, rows, k); }

// fast_stage[_norm](x, xrows, nw, eps, a, k, ldx): n blocks (one per token) of any width; a holds ceil(n / 16) token
// tiles of ceil(k / 32) * 1024 bytes.
INV_EXTERN void fast_stage(const float* x, const int* xrows, const float* nw, float eps, uint4* a, int k, int ldx) {
    fast::stage_impl<false>(x, xrows, nw, eps, a, k, ldx);
}
INV_EXTERN void fast_stage_norm(const float* x, const int* xrows, const float* nw, float eps, uint4* a, int k, int ldx) {
    fast::stage_impl<true>(x, xrows, nw, eps, a, k, ldx);
}

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
