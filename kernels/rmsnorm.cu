// RMSNorm of token rows (numerics.md §4): ss = canonical dot(x, x) (W = 32 partials, lane p of a warp holding
// P[p], then the halving tree over shuffles); mean = ss / n; inv = 1 / sqrt(mean + eps); y[i] = w[i] * (x[i] * inv).
// One warp per row; the reduction order depends on n alone. CPU twin: numerics/RmsNorm.apply.
#include "numerics.cuh"

// Row r of the output normalises input row rows[r] (rows == null: row r), for r < count.
INV_EXTERN void rmsnorm(const float* x, const int* rows, float* y, const float* w, float eps, int n, int count) {
    const int warps = blockDim.x >> 5;
    const int r = blockIdx.x * warps + (threadIdx.x >> 5);
    if (r >= count) return;
    const int src = rows ? rows[r] : r;
    const float* in = x + (long long)src * n;
    float* out = y + (long long)r * n;
    const float ss = inv::warp_dot(in, in, n);
    const float mean = ss / (float)n;
    const float invr = inv::inv_sqrt_canon(mean + eps);
    for (int i = threadIdx.x & 31; i < n; i += 32) out[i] = w[i] * (in[i] * invr);
}
