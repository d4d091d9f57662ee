// What the streamed projection kernels (matvec_stream.cu, gptq_stream.cu) share: one token's projections by a
// persistent grid, each warp streaming its rows' bytes through its own ring of shared-memory slots with
// cp.async.bulk, each slot completing on its own mbarrier, and the token's input row staged with the fused
// RMSNorm. Moves and the norm only, which is numerics.md §4 (CPU twin: numerics/RmsNorm.apply):
// inv = 1 / sqrt(canonical dot(x, x) / k + eps) by one warp (inv::warp_dot), xn[i] = nw[i] * (x[i] * inv).
#pragma once

#include "layout.cuh"
#include "rows.cuh"

namespace inv {

__device__ __forceinline__ unsigned saddr(const void* p) { return (unsigned)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void mbar_init(unsigned long long* b) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" ::"r"(saddr(b)) : "memory");
}

// Lane 0 of the warp: the slot's barrier expects `bytes` (arriving once), which the copies below then bring.
__device__ __forceinline__ void mbar_expect(unsigned long long* b, unsigned bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(saddr(b)), "r"(bytes) : "memory");
}

// The copy engine brings `bytes` (a multiple of 16, both addresses 16-byte aligned) and counts them on b.
__device__ __forceinline__ void bulk_copy(void* dst, const void* src, unsigned bytes, unsigned long long* b) {
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
                 ::"r"(saddr(dst)), "l"(src), "r"(bytes), "r"(saddr(b)) : "memory");
}

// One copy of `bytes` into a slot.
__device__ __forceinline__ void bulk_load(void* dst, const void* src, unsigned bytes, unsigned long long* b) {
    mbar_expect(b, bytes);
    bulk_copy(dst, src, bytes, b);
}

__device__ __forceinline__ void mbar_wait(unsigned long long* b, unsigned parity) {
    asm volatile(
        "{\n\t.reg .pred p;\n"
        "WAIT:\n\t"
        "mbarrier.try_wait.parity.shared::cta.b64 p, [%0], %1;\n\t"
        "@!p bra WAIT;\n"
        "}" ::"r"(saddr(b)), "r"(parity) : "memory");
}

// Lane 0, before refilling a slot every lane has read: the copy engine writes what ordinary loads read.
__device__ __forceinline__ void slot_release() { asm volatile("fence.proxy.async.shared::cta;" ::: "memory"); }

// Every lane of the warp has read slot it % slots: lane 0 refills it with item it + slots, if any.
template <typename Issue> __device__ __forceinline__ void slot_done(int lane, int it, int slots, int items, Issue issue) {
    __syncwarp();
    if (lane == 0 && it + slots < items) {
        slot_release();
        issue(it + slots);
    }
}

// Lane 0: the ring's barriers ready, visible to the copy engine.
__device__ __forceinline__ void ring_init(unsigned long long* full, int slots) {
    for (int s = 0; s < slots; s++) mbar_init(&full[s]);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

// The staged row's 1/rms (numerics.md §4: inv = 1 / sqrt(canonical dot(x, x) / k + eps)) by warp 0, through invs to
// every thread of the block. Every thread must call it, after xs is staged and the block has synchronised.
__device__ __forceinline__ float staged_inv_rms(const float* xs, float& invs, int k, float eps, int warp, int lane) {
    if (warp == 0) {
        const float ss = warp_dot(xs, xs, k);
        if (lane == 0) invs = inv_sqrt_canon(ss / (float)k + eps);
    }
    __syncthreads();
    return invs;
}

// Stages the token's input row (row xrows[0] of x, or row 0) into xs (k floats rounded up to a multiple of 4), and
// (NORMED) NORM's weights right after it, while the weights are on their way, then normalises xs in place. Read-only
// global loads, four in flight per thread: a plain loop would wait for each one in turn. Every thread must call it.
template <bool NORMED>
__device__ __forceinline__ void stage_one(float* xs, float& invs, const float* x, const int* xrows, int ldx, int k,
                                          const float* nw, float eps, int warp, int lane) {
    const float* xr = x + (xrows ? (long long)xrows[0] * ldx : 0LL);
    float* ns = xs + ((k + 3) & ~3);
    const bool vec = (k & 3) == 0 && (ldx & 3) == 0 && (reinterpret_cast<unsigned long long>(nw) & 15) == 0;
    if (vec) {
        const float4* x4 = reinterpret_cast<const float4*>(xr);
        const float4* n4 = reinterpret_cast<const float4*>(nw);
#pragma unroll 4
        for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x) {
            reinterpret_cast<float4*>(xs)[i] = __ldg(x4 + i);
            if (NORMED) reinterpret_cast<float4*>(ns)[i] = __ldg(n4 + i);
        }
    } else {
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x) {
            xs[i] = __ldg(xr + i);
            if (NORMED) ns[i] = __ldg(nw + i);
        }
    }
    __syncthreads();
    if (NORMED) {
        const float invr = staged_inv_rms(xs, invs, k, eps, warp, lane);
        for (int i = threadIdx.x; i < k; i += blockDim.x) xs[i] = ns[i] * (xs[i] * invr);
        __syncthreads();
    }
}

// stage_one's values with NORM's weights kept elsewhere (the order of every operation unchanged): NW_STAGE as
// stage_one (staged beside xs with the input), NW_EARLY (already staged beside xs by stage_norm_weights, before the
// kernel waited for its inputs), NW_GLOBAL (read from global memory in the last pass: xs takes 4 k bytes, not 8 k).
#define NW_STAGE 0
#define NW_EARLY 1
#define NW_GLOBAL 2
template <bool NORMED, int NWMODE>
__device__ __forceinline__ void stage_input(float* xs, float& invs, const float* x, const int* xrows, int ldx, int k,
                                            const float* nw, float eps, int warp, int lane) {
    if (NWMODE == NW_STAGE) {
        stage_one<NORMED>(xs, invs, x, xrows, ldx, k, nw, eps, warp, lane);
        return;
    }
    const float* xr = x + (xrows ? (long long)xrows[0] * ldx : 0LL);
    const float* ns = xs + ((k + 3) & ~3);
    if ((k & 3) == 0 && (ldx & 3) == 0) {
        const float4* x4 = reinterpret_cast<const float4*>(xr);
#pragma unroll 4
        for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x) reinterpret_cast<float4*>(xs)[i] = __ldg(x4 + i);
    } else {
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x) xs[i] = __ldg(xr + i);
    }
    __syncthreads();
    if (NORMED) {
        const float invr = staged_inv_rms(xs, invs, k, eps, warp, lane);
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x)
            xs[i] = (NWMODE == NW_GLOBAL ? __ldg(nw + i) : ns[i]) * (xs[i] * invr);
        __syncthreads();
    }
}

// NW_BULK: the input row and NORM's weights each come by one cp.async.bulk on its own mbarrier (bar[0]: x, bar[1]: the
// norm's weights, requested before the wait since no kernel writes them), where a loop of loads would wait for each
// fourth one in turn (k = 13,696: four round trips). The same values as NW_STAGE. Usable when k is a multiple of 4 and
// the row and the weights are 16-byte aligned (bulk_input_ok); otherwise stage_input's loads.
#define NW_BULK 3
__device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<unsigned long long>(p) & 15) == 0; }
__device__ __forceinline__ bool bulk_input_ok(const float* x, int ldx, int k, const float* nw, bool normed) {
    return (k & 3) == 0 && (ldx & 3) == 0 && aligned16(x) && (!normed || aligned16(nw));
}

// Thread 0, before the wait: the two barriers, and (NORMED) the norm's weights requested into xs's second half.
template <bool NORMED> __device__ __forceinline__ void bulk_input_begin(unsigned long long* bar, float* xs, int k,
                                                                        const float* nw) {
    mbar_init(&bar[0]);
    mbar_init(&bar[1]);
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    if (NORMED) bulk_load(xs + k, nw, 4u * (unsigned)k, &bar[1]);
}

// After the wait, every thread: the input row requested (thread 0) and awaited, then normalised in place as
// stage_input<NORMED, NW_EARLY> does (the same operations in the same order).
template <bool NORMED, bool FENCE = false>
__device__ __forceinline__ void stage_bulk(unsigned long long* bar, float* xs, float& invs, const float* x,
                                           const int* xrows, int ldx, int k, float eps, int warp, int lane) {
    if (threadIdx.x == 0) {
        const float* xr = x + (xrows ? (long long)xrows[0] * ldx : 0LL);
        if (FENCE) asm volatile("fence.proxy.async.global;" ::: "memory");
        bulk_load(xs, xr, 4u * (unsigned)k, &bar[0]);
    }
    __syncthreads();  // the barriers' initialisation seen by every thread
    mbar_wait(&bar[0], 0);
    if (NORMED) {
        mbar_wait(&bar[1], 0);
        const float* ns = xs + k;
        const float invr = staged_inv_rms(xs, invs, k, eps, warp, lane);
        for (int i = threadIdx.x; i < k; i += blockDim.x) xs[i] = ns[i] * (xs[i] * invr);
        __syncthreads();
    }
}

// A warp's dot over one streamed segment of a row (layout groups g0 .. g1 - 1 of layout l, GS values a lane per
// 16-byte word): P[lane] = fmaf(x[i], w[i], P[lane]) in increasing i; xl = the staged input row + lane. Then, at the
// row's last segment, row_rest: the chunks after the last whole group and the last k % W indices, still increasing
// per partial (numerics.md §2). Lanes >= l.w must not call them.
template <typename T, int SEGG>
__device__ __forceinline__ void segment_dot(const unsigned char* seg, const float* xl, const RowLayout& l, int g0,
                                            int g1, int gbytes, int lane, float& acc) {
    constexpr int GS = 16 / sizeof(T);
#pragma unroll
    for (int u = 0; u < SEGG; u++) {
        const int gi = g0 + u;
        if (gi < g1) {
            float w[GS];
            unpack<T>(*reinterpret_cast<const uint4*>(seg + u * gbytes + lane * 16), w);
            const float* xg = xl + gi * GS * l.w;
#pragma unroll
            for (int q = 0; q < GS; q++) acc = fmaf(xg[q * l.w], w[q], acc);
        }
    }
}
template <typename T>
__device__ __forceinline__ void row_rest(const unsigned char* seg, const float* xl, const RowLayout& l, int k,
                                         int groupsInSeg, int gbytes, int lane, float& acc) {
    constexpr int GS = 16 / sizeof(T);
    const T* rest = reinterpret_cast<const T*>(seg + groupsInSeg * gbytes);
    const float* xg = xl + l.groups * GS * l.w;
    for (int q = 0; q < l.rest; q++) acc = fmaf(xg[q * l.w], widen<T>(rest[lane * l.rest + q]), acc);
    const int tail = l.chunks * l.w;
    if (tail + lane < k) acc = fmaf(xl[tail], widen<T>(rest[l.w * l.rest + lane]), acc);
}

// A hint, nothing waits for it: the L2 fetches `bytes` (a multiple of 16) at p (16-byte aligned) from memory.
__device__ __forceinline__ void prefetch_l2(const void* p, unsigned bytes) {
    asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p), "r"(bytes) : "memory");
}

// The weights of the projection launched after this one: `units` units of `unitBytes` each, split over the warps as
// this kernel splits its own (a contiguous run per warp); each warp asks the L2 for the first `bytes` of its run once
// it has requested its own last bytes, so that memory stays busy while this kernel drains and the next one starts.
// Placement only: no value depends on it. Measured slower in the chain (bench/device/kernels/stream_chain.cu, H200,
// 2026-12-02 16:46: 8 to 32 KB ahead cost 1 to 13 us per Qwen1.5-14B layer and 1 to 2 us per Qwen2.5-0.5B layer), so
// the engine's kernels leave it out; the benchmark keeps it to measure it again.
struct Ahead {
    const unsigned char* W;
    long long units;
    int unitBytes;
    int bytes;
};
__device__ __forceinline__ void prefetch_ahead(const Ahead& a, long long gw, long long tw) {
    if (a.W == nullptr || a.bytes <= 0) return;
    const long long u0 = gw * a.units / tw, u1 = (gw + 1) * a.units / tw;
    const long long len = min((long long)a.bytes, (u1 - u0) * a.unitBytes) & ~15LL;
    if (len > 0) prefetch_l2(a.W + u0 * a.unitBytes, (unsigned)len);
}

// NORM's weights staged beside xs (k floats rounded up to a multiple of 4 after it) for stage_input<true, NW_EARLY>:
// no kernel writes them, so this may run before the kernel waits for its inputs. Every thread must call it.
__device__ __forceinline__ void stage_norm_weights(float* xs, int k, const float* nw) {
    float* ns = xs + ((k + 3) & ~3);
    if ((k & 3) == 0 && (reinterpret_cast<unsigned long long>(nw) & 15) == 0) {
#pragma unroll 4
        for (int i = threadIdx.x; i < (k >> 2); i += blockDim.x)
            reinterpret_cast<float4*>(ns)[i] = __ldg(reinterpret_cast<const float4*>(nw) + i);
    } else {
#pragma unroll 4
        for (int i = threadIdx.x; i < k; i += blockDim.x) ns[i] = __ldg(nw + i);
    }
}

}  // namespace inv
