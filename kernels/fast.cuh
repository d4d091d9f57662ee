// What the fast profile's kernels share (fast_layout.cu, matmul_fast.cu): its canonical order, the two fragment
// layouts, the bf16 rounding, the mma and the stores with their fusions.
//
// The fast profile's projections (docs/numerics.md §12, "fast"): y[t][o] = dot(W[o], x'[t]) (+ bias[o]) (+ resid[t][o])
// on the tensor cores, with the fusions of matvec.cu (RMSNorm prologue, silu(gate) * up over interleaved row pairs,
// bias, residual, input rows taken through xrows). Not equal to the CPU; batch-invariant and run-to-run identical.
//
// The canonical order of fast (every fast kernel obeys it, whatever its tile shape):
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
#pragma once

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

}  // namespace fast
