// What the decode attention kernels (attention_decode.cu, attention_blocks.cu) share: the fixed split of 64 absolute
// positions (numerics.md §8), the shared-memory stride of a key row, the 16-byte cp.async, the merge of a (token,
// head)'s split records in increasing s, and the integer counter that finds the block that merges. The merge is
// PagedAttention.attend's combine (CPU twin): M = max m_s, c_s = exp(m_s - M), L = L + l_s * c_s (product rounded),
// O[d] = fmaf(o_s[d], c_s, O[d]), out[d] = O[d] / L.
#pragma once

#include "numerics.cuh"

#define SPLIT 64

namespace {

// A key row's stride in shared memory: 16-byte aligned (float4 reads) and 4 banks apart per row, or, for a head_dim
// that is not a multiple of 4 (scalar reads), one bank apart. The host sizes shared memory with the same rule.
__device__ __forceinline__ int key_stride(int headDim) { return (headDim & 3) == 0 ? headDim + 4 : headDim + 1; }

__device__ __forceinline__ void cp_async16(void* dst, const void* src) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src)
                 : "memory");
}

// The merge of a (token, head)'s split records, a thread per output value: in increasing s, M = max m_s,
// c_s = exp(m_s - M), L = L + l_s * c_s, O[d] = fmaf(o_s[d], c_s, O[d]); out[d] = O[d] / L. Loads through L2
// (__ldcg): other blocks wrote most records. The records are requested MERGE_BATCH splits at a time, all at once, and
// then added in order (with at most MERGE_BATCH splits, m_s, l_s and o_s[d] in one round trip to L2, not one per load).
#define MERGE_BATCH 8
__device__ __forceinline__ void merge_splits(const float* rec, float* dst, int splits, int headDim) {
    const int stride = headDim + 2;
    float bigM = __int_as_float(0xff800000);
    if (splits > MERGE_BATCH) {
        for (int s0 = 0; s0 < splits; s0 += MERGE_BATCH) {
            float m[MERGE_BATCH];
#pragma unroll
            for (int q = 0; q < MERGE_BATCH; q++) {
                if (s0 + q < splits) m[q] = __ldcg(rec + (long long)(s0 + q) * stride);
            }
#pragma unroll
            for (int q = 0; q < MERGE_BATCH; q++) {
                if (s0 + q < splits) bigM = inv::jmax(bigM, m[q]);
            }
        }
    }
    for (int d = threadIdx.x; d < headDim; d += blockDim.x) {
        float bigL = 0.0f;
        float acc = 0.0f;
        for (int s0 = 0; s0 < splits; s0 += MERGE_BATCH) {
            float m[MERGE_BATCH], l[MERGE_BATCH], o[MERGE_BATCH];
#pragma unroll
            for (int q = 0; q < MERGE_BATCH; q++) {
                if (s0 + q < splits) {
                    const float* r = rec + (long long)(s0 + q) * stride;
                    m[q] = __ldcg(r);
                    l[q] = __ldcg(r + 1);
                    o[q] = __ldcg(r + 2 + d);
                }
            }
            if (splits <= MERGE_BATCH) {  // M from the m_s just loaded
#pragma unroll
                for (int q = 0; q < MERGE_BATCH; q++) {
                    if (q < splits) bigM = inv::jmax(bigM, m[q]);
                }
            }
#pragma unroll
            for (int q = 0; q < MERGE_BATCH; q++) {
                if (s0 + q < splits) {
                    const float c = inv::exp_canon(m[q] - bigM);
                    bigL = bigL + l[q] * c;
                    acc = fmaf(o[q], c, acc);
                }
            }
        }
        dst[d] = acc / bigL;
    }
}

// Whether this block, one of `active` blocks that wrote records of a (token, head) counted at done[i], is the last of
// them to finish (then it merges, and resets the counter for the next step). Every thread must call it; the records
// of the others are visible to the one that returns true. Integer atomics only: which block merges never changes a
// value.
__device__ __forceinline__ bool last_to_finish(int* done, unsigned i, int active) {
    __shared__ int last;
    if (active > 1) {
        __threadfence();  // this block's records, visible to whichever block merges
        __syncthreads();
        if (threadIdx.x == 0) {
            last = atomicAdd(done + i, 1) == active - 1;
            if (last) done[i] = 0;  // ready for the next step
        }
        __syncthreads();
        if (!last) return false;
        __threadfence();
    } else {
        __syncthreads();
    }
    return true;
}

}  // namespace
