// What the decode attention kernels (attention_decode.cu, attention_blocks.cu) share: the fixed split of 64 absolute
// positions (numerics.md §8), the shared-memory stride of a key row, the 16-byte cp.async, the merge of a (token,
// head)'s split records in increasing s, the integer counter that finds the block that merges, and the thread-block
// cluster's barrier and distributed shared memory that replace the counter when a cluster holds every split. The
// merge is PagedAttention.attend's combine (CPU twin): M = max m_s, c_s = exp(m_s - M), L = L + l_s * c_s (product
// rounded), O[d] = fmaf(o_s[d], c_s, O[d]), out[d] = O[d] / L. Where the records are (scratch in global memory, or
// the merging block's shared memory) and which block merges never change a value.
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
// (__ldcg): other blocks wrote most records; SHARED: the records are in this block's shared memory (plain loads).
// The records are requested MERGE_BATCH splits at a time, all at once, and then added in order (with at most
// MERGE_BATCH splits, m_s, l_s and o_s[d] in one round trip, not one per load).
#define MERGE_BATCH 8
template <bool SHARED = false>
__device__ __forceinline__ void merge_splits(const float* rec, float* dst, int splits, int headDim) {
    auto ld = [](const float* p) { return SHARED ? *p : __ldcg(p); };
    const int stride = headDim + 2;
    float bigM = __int_as_float(0xff800000);
    if (splits > MERGE_BATCH) {
        for (int s0 = 0; s0 < splits; s0 += MERGE_BATCH) {
            float m[MERGE_BATCH];
#pragma unroll
            for (int q = 0; q < MERGE_BATCH; q++) {
                if (s0 + q < splits) m[q] = ld(rec + (long long)(s0 + q) * stride);
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
                    m[q] = ld(r);
                    l[q] = ld(r + 1);
                    o[q] = ld(r + 2 + d);
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

// last_to_finish with one acquire-release atomic by thread 0 in place of every thread's two fences: the block's
// barrier orders its threads' records before thread 0's release (cumulativity), and the merging block's barrier
// orders its threads' loads after thread 0's acquire.
__device__ __forceinline__ bool last_to_finish_acq_rel(int* done, unsigned i, int active) {
    __shared__ int last;
    __syncthreads();
    if (threadIdx.x == 0) {
        int before = active - 1;
        if (active > 1) asm volatile("atom.acq_rel.gpu.global.add.s32 %0, [%1], 1;" : "=r"(before) : "l"(done + i) : "memory");
        last = before == active - 1;
        if (last && active > 1) done[i] = 0;  // ready for the next step
    }
    __syncthreads();
    return last;
}

// The thread-block cluster (sm_90): its barrier in two halves (arrive, then wait). Blocks of a cluster run at the
// same time; a block's shared memory may be written by the others once every block has started (a barrier phase all
// arrived at) and until it exits.
__device__ __forceinline__ void cluster_arrive_release() { asm volatile("barrier.cluster.arrive.release;" ::: "memory"); }
__device__ __forceinline__ void cluster_wait() { asm volatile("barrier.cluster.wait.acquire;" ::: "memory"); }

// A record sent to the cluster's block `rank` without any fence: each 4-byte store completes its bytes on that block's
// mbarrier (st.async), which the receiver waits on (the mbarrier's phase ends once every expected byte has landed).
__device__ __forceinline__ unsigned cluster_address(const void* p, unsigned rank) {
    unsigned remote;
    asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"((unsigned)__cvta_generic_to_shared(p)), "r"(rank));
    return remote;
}
__device__ __forceinline__ void send_cluster(float* p, unsigned rank, float v, unsigned long long* bar) {
    asm volatile("st.async.shared::cluster.mbarrier::complete_tx::bytes.b32 [%0], %1, [%2];"
                 ::"r"(cluster_address(p, rank)), "r"(__float_as_uint(v)), "r"(cluster_address(bar, rank)) : "memory");
}
// The receiver's mbarrier: one arrival (its own, expecting `bytes`), made visible to the cluster by the barrier phase
// that follows (barrier.cluster.arrive.release).
__device__ __forceinline__ void receive_init(unsigned long long* bar, unsigned bytes) {
    const unsigned a = (unsigned)__cvta_generic_to_shared(bar);
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(a) : "memory");
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(a), "r"(bytes) : "memory");
}
__device__ __forceinline__ void receive_wait(unsigned long long* bar) {
    const unsigned a = (unsigned)__cvta_generic_to_shared(bar);
    asm volatile(
        "{\n .reg .pred p;\n WAIT:\n"
        " mbarrier.try_wait.parity.acquire.cluster.shared::cta.b64 p, [%0], 0;\n"
        " @!p bra WAIT;\n}" ::"r"(a) : "memory");
}

}  // namespace
