// RoPE and the KV cache write as the epilogue of one token's q|k|v projection (matvec_stream.cu's STREAM_ROPE), for
// models without a per-head q/k norm: rope_kv.cu's values and stores, computed where the projection's rows come out.
// The projection's rows are taken in RoPE pairs: unit u is head h = u / (d/2), index i = u % (d/2), rows
// h*d + i and h*d + i + d/2 of the stacked q|k|v matrix (v heads pair the same way, unrotated), computed one after the
// other by one warp, each a whole canonical dot as ever (which warp computes a row never changes its bits). Then, on
// lane 0, the same operations as rope_kv.cu (numerics.md §7): a = row i (+ bias), b = row i + d/2 (+ bias);
// lo = a*cos - b*sin, hi = b*cos + a*sin, each product rounded, no fma, cos/sin from the host's table at the token's
// position; lo and hi written to the q|k|v row at their own indices (attention reads q there, unchanged), k heads'
// and v heads' values also stored into the token's cache row rounded to the stored dtype (kv.cuh's KV::store).
// CPU twins: backend/cpu/MatMul (the rows), numerics/RopeTable.rotate, backend/cpu/PagedKvCache.write.
#pragma once

#include "kv.cuh"

namespace inv {

// The plain epilogue: rows in order, nothing after the row's own output.
struct NoEpi {
    __device__ __forceinline__ void prepare() {}
    __device__ __forceinline__ void fetch(int) {}
    __device__ __forceinline__ int row(int r) const { return r; }
    __device__ __forceinline__ void pair(int, float, float) const {}
};

template <class KV>
struct RopeEpi {
    float* y;  // the token's q|k|v row
    const int* positions;
    const int* tokSeq;
    const int* seqTableStart;
    const int* tables;
    const float* cosT;
    const float* sinT;
    typename KV::T* keyCache;
    typename KV::T* valueCache;
    int heads, kvHeads, headDim, blockSize;
    // set by prepare(): the token's position and the first element of its cache row
    int pos;
    long long cacheRow;
    // set by fetch(u): unit u's cos and sin
    float c, s;

    // Reads the step's inputs (written by the host before the step's first kernel, so before the wait is fine),
    // while the first weights are on their way; used in fetch() and pair().
    __device__ __forceinline__ void prepare() {
        pos = positions[0];
        const int block = tables[seqTableStart[tokSeq[0]] + pos / blockSize];
        cacheRow = ((long long)block * blockSize + pos % blockSize) * (long long)(kvHeads * headDim);
    }

    // Lane 0, when unit u's first row starts: its cos and sin requested now, used in pair(u) after both dots.
    __device__ __forceinline__ void fetch(int u) {
        const int half = headDim >> 1;
        const int h = u / half;
        if (h >= heads + kvHeads) return;  // a v head: not rotated
        const long long at = (long long)pos * half + (u - h * half);
        c = cosT[at];
        s = sinT[at];
    }

    // The stored row of the r-th row this kernel computes (two per unit).
    __device__ __forceinline__ int row(int r) const {
        const int half = headDim >> 1;
        const int u = r >> 1;
        const int h = u / half;
        return h * headDim + (u - h * half) + (r & 1) * half;
    }

    // Lane 0, unit u's two values (each + bias already): rope_kv.cu's expressions in its order.
    __device__ __forceinline__ void pair(int u, float a, float b) const {  // after fetch(u)
        const int half = headDim >> 1;
        const int h = u / half;
        const int i = u - h * half;
        float* v = y + (long long)h * headDim;
        const long long off = cacheRow + (long long)(h % kvHeads) * headDim;
        if (h >= heads + kvHeads) {  // a v head: stored as it is
            v[i] = a;
            v[i + half] = b;
            valueCache[off + i] = KV::store(a);
            valueCache[off + i + half] = KV::store(b);
            return;
        }
        const float ac = a * c;
        const float bs = b * s;
        const float bc = b * c;
        const float as = a * s;
        const float lo = ac - bs;
        const float hi = bc + as;
        v[i] = lo;
        v[i + half] = hi;
        if (h >= heads) {  // a k head: into the cache, rounded to its dtype
            keyCache[off + i] = KV::store(lo);
            keyCache[off + i + half] = KV::store(hi);
        }
    }
};

}  // namespace inv
