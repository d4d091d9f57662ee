// y[t][o] = canonical dot(W[o], x[t]) (+ bias[o]) (+ resid[t][o]) for W stored [rows, k] (numerics.md §2, §3, §9).
// Canonical order: W = 32 partials (fewer for k < 32), P[i mod W] = fmaf(x[i], w[i], P[i mod W]) in increasing i, then
// the halving tree s = 16, 8, 4, 2, 1. Mapping: a quad of 4 consecutive threads owns one row; thread j of the quad
// holds P[8j .. 8j+7] and reads w[32c + 8j .. +7] of every 32-wide chunk c (one 16-byte piece for bf16). The tree's
// steps s = 16 and 8 cross threads (shuffle down by 2, then 1); s = 4, 2, 1 run in thread 0's registers.
// A block handles 16 rows and TG tokens; each token keeps its own partials, so grouping never changes a value, and
// no split depends on the batch. bf16 rows stream through a per-thread ring of 16-byte pieces filled by cp.async, so
// many loads are in flight without registers holding them (decode is bound by weight bandwidth).
// Fused steps, each the same operations as its CPU step:
//   NORM:  x is RMSNorm'ed on load: inv = 1 / sqrt(canonical dot(x, x) / k + eps), xn[i] = nw[i] * (x[i] * inv)
//          (numerics.md §4; the dot by one warp, as rmsnorm.cu).
//   SILU:  rows come in (gate, up) pairs 2i, 2i+1; the output is h[i] = silu(gate) * up, product rounded (§5, §9).
//   bias:  one rounded add after the dot; resid: the residual add, last.
// CPU twins: numerics/MatMul.rows (Dot, PartialTree), RmsNorm.apply, FloatMath.silu.
#include "numerics.cuh"

#define NORM 1
#define SILU 2
#define ROWS_PER_BLOCK 16
#define THREADS (4 * ROWS_PER_BLOCK)

__device__ __forceinline__ void bf16x8(uint4 u, float w[8]) {
    w[0] = __uint_as_float(u.x << 16); w[1] = __uint_as_float(u.x & 0xffff0000u);
    w[2] = __uint_as_float(u.y << 16); w[3] = __uint_as_float(u.y & 0xffff0000u);
    w[4] = __uint_as_float(u.z << 16); w[5] = __uint_as_float(u.z & 0xffff0000u);
    w[6] = __uint_as_float(u.w << 16); w[7] = __uint_as_float(u.w & 0xffff0000u);
}

__device__ __forceinline__ float load_w(const unsigned short* p) { return inv::bf16_to_f32(__ldg(p)); }
__device__ __forceinline__ float load_w(const float* p) { return __ldg(p); }

__device__ __forceinline__ void cp_async16(void* smem, const void* gmem) {
    unsigned s = (unsigned)__cvta_generic_to_shared(smem);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

// x element i of token g, normalised on load when NORM (the same operations as RmsNorm.apply's output).
template <int FLAGS>
__device__ __forceinline__ float x_at(const float* xr, const float* nw, float invr, int i) {
    return (FLAGS & NORM) ? nw[i] * (xr[i] * invr) : xr[i];
}

template <int FLAGS>
__device__ __forceinline__ void x8(const float* xr, const float* nw, float invr, int i, float v[8]) {
    const float4 a = *reinterpret_cast<const float4*>(xr + i);
    const float4 b = *reinterpret_cast<const float4*>(xr + i + 4);
    v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
    if (FLAGS & NORM) {
        const float4 c = *reinterpret_cast<const float4*>(nw + i);
        const float4 d = *reinterpret_cast<const float4*>(nw + i + 4);
        const float n[8] = {c.x, c.y, c.z, c.w, d.x, d.y, d.z, d.w};
#pragma unroll
        for (int j = 0; j < 8; j++) v[j] = n[j] * (v[j] * invr);
    }
}

// vec: every row and every x row starts 16-byte aligned and k % 8 == 0 (the host checks), so chunks load as vectors.
template <typename T, int TG, int FLAGS>
__device__ __forceinline__ void matmul_impl(const T* W, const float* x, const int* xrows, const float* nw, float eps,
                                            float* y, const float* bias, const float* resid,
                                            int rows, int k, int ldx, int ldy, int n, int vec) {
    // The ring, measured on an H200: one token streams 32 chunks ahead per thread, one per cp.async group; a token
    // group, whose chunks take longer to consume, 16 in groups of 4 (fewer waits, twice the blocks per multiprocessor).
    constexpr int GROUP = TG == 1 ? 1 : 4;
    constexpr int GROUPS = TG == 1 ? 32 : 4;
    __shared__ uint4 ring[GROUPS * GROUP][THREADS];
    __shared__ float invs[TG];
    const int quad = threadIdx.x & 3;
    const int row = blockIdx.x * ROWS_PER_BLOCK + (threadIdx.x >> 2);
    const int t0 = blockIdx.y * TG;
    const bool active = row < rows;
    const T* wr = W + (long long)(active ? row : rows - 1) * k;  // idle quads still shuffle with their warp
    const float* xr[TG];
#pragma unroll
    for (int g = 0; g < TG; g++) {
        const int t = min(t0 + g, n - 1);
        xr[g] = x + (long long)(xrows ? xrows[t] : t) * ldx;
    }
    // The weight stream: chunk c of this thread's row sits at ring slot c % (GROUPS * GROUP); chunks go in groups of
    // GROUP (one cp.async group each), GROUPS - 1 groups ahead of the one consumed. It starts before the norm.
    const bool stream = vec && sizeof(T) == 2;
    const int chunks = k >> 5;
    uint4* mine = &ring[0][threadIdx.x];
    auto fetch = [&](int grp) {
#pragma unroll
        for (int j = 0; j < GROUP; j++) {
            const int c = grp * GROUP + j;
            if (c < chunks) cp_async16(mine + (c % (GROUPS * GROUP)) * THREADS, wr + c * 32 + 8 * quad);
        }
        cp_async_commit();
    };
    if (stream) {
#pragma unroll
        for (int grp = 0; grp < GROUPS - 1; grp++) fetch(grp);
    }
    if (FLAGS & NORM) {
        for (int g = threadIdx.x >> 5; g < TG; g += THREADS / 32) {
            const float ss = inv::warp_dot(xr[g], xr[g], k);
            if ((threadIdx.x & 31) == 0) invs[g] = inv::inv_sqrt_canon(ss / (float)k + eps);
        }
        __syncthreads();
    }
    float invr[TG];
#pragma unroll
    for (int g = 0; g < TG; g++) invr[g] = (FLAGS & NORM) ? invs[g] : 1.0f;

    float acc[TG][8];
#pragma unroll
    for (int g = 0; g < TG; g++) {
#pragma unroll
        for (int i = 0; i < 8; i++) acc[g][i] = 0.0f;
    }
    int c = 0;
    if (stream) {
        for (int grp = 0; grp * GROUP < chunks; grp++) {
            fetch(grp + GROUPS - 1);
            cp_async_wait<GROUPS - 1>();
#pragma unroll
            for (int j = 0; j < GROUP; j++) {
                const int ci = grp * GROUP + j;
                if (ci < chunks) {
                    float w[8];
                    bf16x8(mine[(ci % (GROUPS * GROUP)) * THREADS], w);
#pragma unroll
                    for (int g = 0; g < TG; g++) {
                        float v[8];
                        x8<FLAGS>(xr[g], nw, invr[g], ci * 32 + 8 * quad, v);
#pragma unroll
                        for (int i = 0; i < 8; i++) acc[g][i] = fmaf(v[i], w[i], acc[g][i]);
                    }
                }
            }
        }
        cp_async_wait<0>();
        c = chunks * 32;
    } else {
        for (; c + 32 <= k; c += 32) {
#pragma unroll
            for (int i = 0; i < 8; i++) {
                const int kk = c + 8 * quad + i;
                const float w = load_w(wr + kk);
#pragma unroll
                for (int g = 0; g < TG; g++) acc[g][i] = fmaf(x_at<FLAGS>(xr[g], nw, invr[g], kk), w, acc[g][i]);
            }
        }
    }
    // The last, partial chunk: element i of this thread is k index c + 8 * quad + i, partial 8 * quad + i.
#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int kk = c + 8 * quad + i;
        if (kk < k) {
            const float w = load_w(wr + kk);
#pragma unroll
            for (int g = 0; g < TG; g++) acc[g][i] = fmaf(x_at<FLAGS>(xr[g], nw, invr[g], kk), w, acc[g][i]);
        }
    }
    const int width = inv::dot_width(k);
#pragma unroll
    for (int g = 0; g < TG; g++) {
        float* v = acc[g];
        if (width > 16) {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = v[i] + __shfl_down_sync(0xffffffffu, v[i], 2);
        }
        if (width > 8) {
#pragma unroll
            for (int i = 0; i < 8; i++) v[i] = v[i] + __shfl_down_sync(0xffffffffu, v[i], 1);
        }
        const float a0 = width > 4 ? v[0] + v[4] : v[0];
        const float a1 = width > 4 ? v[1] + v[5] : v[1];
        const float a2 = width > 4 ? v[2] + v[6] : v[2];
        const float a3 = width > 4 ? v[3] + v[7] : v[3];
        const float b0 = width > 2 ? a0 + a2 : a0;
        const float b1 = width > 2 ? a1 + a3 : a1;
        float r = width > 1 ? b0 + b1 : b0;
        const int t = t0 + g;
        if (FLAGS & SILU) {
            // quad 2i holds gate_i, quad 2i + 1 (four lanes on) up_i: every lane takes part in the shuffle
            const float up = __shfl_down_sync(0xffffffffu, r, 4);
            if (quad == 0 && (row & 1) == 0 && active && t < n) {
                y[(long long)t * ldy + (row >> 1)] = inv::silu_canon(r) * up;
            }
        } else if (quad == 0 && active && t < n) {
            if (bias) r = r + bias[row];
            const long long yo = (long long)t * ldy + row;
            if (resid) r = resid[yo] + r;
            y[yo] = r;
        }
    }
}

#define MATMUL(name, T, TG, FLAGS)                                                                                 \
    INV_EXTERN void __launch_bounds__(THREADS) name(const T* W, const float* x, const int* xrows, const float* nw, \
                                                    float eps, float* y, const float* bias, const float* resid,    \
                                                    int rows, int k, int ldx, int ldy, int n, int vec) {           \
        matmul_impl<T, TG, FLAGS>(W, x, xrows, nw, eps, y, bias, resid, rows, k, ldx, ldy, n, vec);                \
    }

#define MATMUL_ALL(T, tname)                                    \
    MATMUL(matmul_##tname##_t1, T, 1, 0)                        \
    MATMUL(matmul_##tname##_t4, T, 4, 0)                        \
    MATMUL(matmul_##tname##_norm_t1, T, 1, NORM)                \
    MATMUL(matmul_##tname##_norm_t4, T, 4, NORM)                \
    MATMUL(matmul_##tname##_norm_silu_t1, T, 1, NORM | SILU)    \
    MATMUL(matmul_##tname##_norm_silu_t4, T, 4, NORM | SILU)

MATMUL_ALL(unsigned short, bf16)
MATMUL_ALL(float, f32)
