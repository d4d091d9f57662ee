// The order in which a projection's weights sit in device memory (moves values, computes nothing). A canonical dot of
// length k has W = dot_width(k) partials; partial p takes k indices p, p + W, p + 2W, ... in increasing order
// (numerics.md §2). Lane p of a warp owns partial p, so each row is stored so that lane p's indices lie together:
// with GS = 16 / sizeof(T) values per 16-byte load and C = k / W whole chunks of W indices,
//   chunks 0 .. G*GS-1 (G = C / GS):  [group g][lane p][GS]    index k = W * (GS * g + r) + p  at  g*W*GS + p*GS + r
//   chunks G*GS .. C-1 (R = C % GS):  [lane p][R]               k = W * (GS * G + r) + p       at  G*W*GS + p*R + r
//   the last k % W indices:           [lane p]                  k = W * C + p                  at  W*C + p
// so one 16-byte load gives lane p the next GS values of its partial, and a warp's load is 512 contiguous bytes.
// Rows start every `stride` values, stride = k rounded up to a multiple of GS (16-byte aligned rows).
#pragma once

namespace inv {

struct RowLayout {
    int w;       // partials
    int gs;      // values per 16-byte load
    int groups;  // G
    int rest;    // R
    int chunks;  // C
};

__host__ __device__ __forceinline__ RowLayout row_layout(int k, int elemBytes) {
    int w = 1;
    while (w < k && w < 32) w <<= 1;
    RowLayout l;
    l.w = w;
    l.gs = 16 / elemBytes;
    l.chunks = k / w;
    l.groups = l.chunks / l.gs;
    l.rest = l.chunks - l.groups * l.gs;
    return l;
}

// Where index k of a row sits in the row's storage.
__host__ __device__ __forceinline__ long long row_slot(const RowLayout& l, int k) {
    const int m = k / l.w;
    const int p = k - m * l.w;
    if (m < l.groups * l.gs) return (long long)(m / l.gs) * l.w * l.gs + p * l.gs + (m % l.gs);
    if (m < l.chunks) return (long long)l.groups * l.w * l.gs + p * l.rest + (m - l.groups * l.gs);
    return (long long)l.chunks * l.w + p;
}

}  // namespace inv
